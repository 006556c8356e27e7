"""What a run leaves behind as the release's evidence: the terminal's checklist
summary and gate lines, the pytest-html report, JUnit properties, a JSON file and
the checklist filled in as Markdown. Every writer renders a
:class:`~pytest_deploycheck.record.RunRecord` and the gates :mod:`~pytest_deploycheck.gates`
decides from it; none imports pytest or re-runs anything."""
