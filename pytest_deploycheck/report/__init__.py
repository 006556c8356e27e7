"""What a run leaves behind as the release's evidence: the terminal's checklist
summary and gate lines, the pytest-html report, JUnit properties, a JSON file and
the checklist filled in as Markdown. Every writer reads the records of
:mod:`~pytest_deploycheck.report.record`; none re-runs anything."""
