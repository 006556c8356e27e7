"""The demo environment of this repository's checklists — for trying pytest-deploycheck,
never for real use.

``conftest.py`` at the project root starts it through the plugin's
``pytest_deploycheck_environment`` hook when the environment is ``demo`` (the default):
a small trading platform (``demo.trading``) served over HTTPS with a certificate from a
throwaway test CA, a websocket market-data feed, a DNS server, a SQLite database migrated
with Alembic, Prometheus and Alertmanager (when installed), log files, backups, a release
repository, and the coverage and JUnit reports of a sample test run. Everything listens on
127.0.0.1, lives in one temporary directory and stops at the end of the run.

The manual items of the demo are signed with the demo key in ``demo/keys/`` — published on
purpose, so trusted by the ``demo`` environment only (``checks/demo/allowed_signers``).
``python -m demo.sign`` signs them again after a checklist changes.
"""
