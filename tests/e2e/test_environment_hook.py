"""pytest_deploycheck_environment: a project prepares its environment (starts a demo's
services) before collection and hands the checklists variables such as a URL."""

from __future__ import annotations

import os

from helpers.project import Project, assert_clean, checklist_of

CONFTEST = """
    import os
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    def pytest_deploycheck_environment(config, environment):
        with open("prepared.log", "a") as log:
            log.write(f"{environment} {os.getpid()}\\n")
        if environment != "demo":
            return None
        server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def stop():
            server.shutdown()
            with open("stopped.log", "a") as log:
                log.write("stopped\\n")

        config.add_cleanup(stop)
        return {"base_url": f"http://127.0.0.1:{server.server_address[1]}"}
    """

HEALTH = "{id: health, title: Service responding, check: {http: {url: '${base_url}/health'}}}"


def demo(project: Project) -> Project:
    project.config("environments: {demo: {}, production: {variables: {base_url: "
                   "'https://example.com'}}}\ndefault_environment: demo\n")
    project.write("conftest.py", CONFTEST)
    project.checklist(checklist_of(HEALTH))
    return project


def test_the_hook_starts_what_the_checks_need_and_stops_it(project: Project) -> None:
    demo(project)
    result = project.run("-rA")
    assert_clean(result)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["url: http://127.0.0.1:*/health"])
    assert (project.path / "stopped.log").read_text() == "stopped\n"


def test_each_xdist_worker_prepares_its_own_and_the_controller_none(project: Project) -> None:
    demo(project)
    result = project.run("-n", "2")
    result.assert_outcomes(passed=1)
    calls = (project.path / "prepared.log").read_text().splitlines()
    assert len(calls) == 2
    assert str(os.getpid()) not in {c.split()[1] for c in calls}


def test_variables_from_the_config_stay_when_the_hook_returns_none(project: Project) -> None:
    demo(project)
    result = project.run("--deploycheck-env", "production", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["1 test collected*"])
    assert (project.path / "prepared.log").read_text().startswith("production ")


def test_a_hook_returning_something_else_is_a_collection_error(project: Project) -> None:
    demo(project)
    project.write("conftest.py", """
        def pytest_deploycheck_environment(config, environment):
            return {"base_url": ["not", "text"]}
        """)
    result = project.run()
    assert_clean(result)
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*pytest_deploycheck_environment returned 'base_url' as "
                                 "list — variables are text, numbers or true/false*"])
