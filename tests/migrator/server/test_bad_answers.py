"""A server (or a proxy, a login page, a load balancer in front of it) that answers
nonsense: every command that reads the server ends in one line naming the request, the
status, what was expected and what came (an HTML page by its title), exits 1 (never 3,
"a bug"), never quotes a whole page, and never a secret value.

tests/support/faultproxy.py answers the crafted bodies, in front of a real server that
answers everything else.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.support.configs import copy_config, unique_prefix
from tests.support.faultproxy import FaultProxy
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient, ServerRejectedError

pytestmark = pytest.mark.server

TASKDEFS = "/api/metadata/taskdefs"
WORKFLOWS = "/api/metadata/workflow"
EVENTS = "/api/event"
#: Text of an error page that must never be quoted back: only its title may be.
PAGE_TEXT = "this-page-text-must-not-be-quoted"
LOGIN_PAGE = ("<!DOCTYPE html><html><head><meta charset=utf-8>\n<title>\n  Sign in &amp; "
              "continue - Corp SSO\n</title></head><body>" + f"<p>{PAGE_TEXT}</p>" * 500
              + "</body></html>")

#: Answers of the wrong shape for a listing, and the words the error must use.
NONSENSE = {
    "an object for a list": ('{"name": "x", "version": 1}', "got an object"),
    "a list of numbers": ("[1, 2, 3]", "item 0: got a number"),
    "an item without a name": ('[{"description": "no name here"}]', "item 0: 'name' is missing"),
    "a name of the wrong type": ('[{"name": 42}]', "item 0: 'name' is a number"),
    "an HTML page with 200": (LOGIN_PAGE, "got an HTML page titled 'Sign in & continue - Corp "
                                          "SSO'"),
    "JSON cut short": ('[{"name": "a", "descr', "got JSON cut short or malformed"),
    "an empty body": ("", "got an empty body"),
    "plain text": ("OK", "got 'OK'"),
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The shipped processes under a name of the test's own, and a secret value that one
    task definition's description carries."""
    config = copy_config(tmp_path / "config", unique_prefix())
    (config / "environments").mkdir()
    (config / "environments" / "test.yaml").write_text(json.dumps(
        {"values": {"TOKEN": SECRET}, "secret": ["TOKEN"]}))
    task = config / "tasks" / "secret.json"
    task.write_text(json.dumps({"name": f"{config.parent.name}_{uuid.uuid4().hex[:6]}",
                                "ownerEmail": "team@example.com",
                                "description": "token @{TOKEN}"}))
    return config


SECRET = f"sek{uuid.uuid4().hex}"


def assert_one_clear_line(code: int, out: str, err: str, request: str, says: str) -> None:
    assert code == 1, out + err
    assert "This is a bug" not in out + err
    assert PAGE_TEXT not in out + err
    lines = [line.removeprefix("[test] ") for line in err.strip().splitlines()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, err
    [line] = errors
    assert line == lines[-1], err
    assert line.startswith(f"Error: {request} -> "), line
    assert "expected " in line and says in line, line


@pytest.mark.parametrize("body", list(NONSENSE), ids=list(NONSENSE))
def test_plan_ends_in_one_line_on_a_listing_of_the_wrong_shape(
        run_migrator: RunMigrator, server: Server, config: Path, body: str) -> None:
    text, says = NONSENSE[body]
    with FaultProxy(server.base_url) as proxy:
        proxy.answer(text, method="GET", path=TASKDEFS,
                     content_type="text/html" if text.startswith("<!") else "application/json")
        code, out, err = run_migrator("plan", "--config-dir", str(config), "--log-format",
                                      "text", base_url=proxy.url)
    assert_one_clear_line(code, out, err, f"GET {proxy.url}{TASKDEFS}", says)
    assert "-> 200: expected a list of task definitions" in err


@pytest.mark.parametrize(("command", "path", "text", "says"), [
    (["deploy"], WORKFLOWS, '{"name": "x"}', "expected a list of workflow definitions"),
    (["deploy"], WORKFLOWS, '[{"name": "x", "version": "one"}]', "'version' is a string"),
    (["status"], TASKDEFS, LOGIN_PAGE, "titled 'Sign in & continue - Corp SSO'"),
    (["export"], EVENTS, '{"name": "x"}',
     "expected a list of event handlers"),
    (["export"], TASKDEFS, LOGIN_PAGE,
     "titled 'Sign in & continue - Corp SSO'"),
    (["validate", "--server"], WORKFLOWS, "[1]", "item 0: got a number"),
    (["validate", "--server"], TASKDEFS, LOGIN_PAGE, "titled 'Sign in & continue - Corp SSO'"),
], ids=["deploy-object", "deploy-version-type", "status-html", "export-object", "export-html",
        "validate-number", "validate-html"])
def test_every_command_that_reads_the_server_ends_in_one_line(
        run_migrator: RunMigrator, server: Server, config: Path, tmp_path: Path,
        command: list[str], path: str, text: str, says: str) -> None:
    args = ["--config-dir", str(tmp_path / "exported")] if command[0] == "export" else \
        ["--config-dir", str(config)]
    with FaultProxy(server.base_url) as proxy:
        proxy.answer(text, method="GET", path=path)
        code, out, err = run_migrator(*command, *args, "--log-format", "text",
                                      base_url=proxy.url)
        assert proxy.count(method="PUT") + proxy.count(method="POST", path=WORKFLOWS) == 0
    assert_one_clear_line(code, out, err, f"GET {proxy.url}{path}", says)


def test_an_html_error_page_is_named_by_its_title_after_the_retries(
        run_migrator: RunMigrator, server: Server, config: Path) -> None:
    """A load balancer's 502 page, on every try: retried, then one line with its title."""
    with FaultProxy(server.base_url) as proxy:
        proxy.answer(LOGIN_PAGE.replace("Sign in &amp; continue - Corp SSO", "502 Bad Gateway"),
                     status=502, content_type="text/html", method="GET", path=EVENTS)
        code, out, err = run_migrator("export", "--config-dir", str(config.parent / "exported"),
                                      "--log-format", "text", base_url=proxy.url)
    assert code == 1, out + err
    assert PAGE_TEXT not in out + err
    [line] = [line.removeprefix("[test] ") for line in err.splitlines() if "Error: " in line]
    assert line == (f"Error: GET {proxy.url}{EVENTS} -> 502: an HTML page titled "
                    "'502 Bad Gateway' (after 5 attempts)")


def test_the_workflow_tests_name_the_page_not_quote_it(
        run_migrator: RunMigrator, server: Server, config: Path) -> None:
    """`test`: a start request answered by a login page, and an execution of the wrong
    shape, fail their cases with one line each, not the page."""
    with FaultProxy(server.base_url) as proxy:
        proxy.answer(LOGIN_PAGE, content_type="text/html", method="POST", path="/api/workflow")
        code, out, err = run_migrator("test", "--config-dir", str(config), "--log-format",
                                      "text", base_url=proxy.url)
    assert code == 1, out + err
    assert "This is a bug" not in out + err and PAGE_TEXT not in out + err
    assert (f"error: the server did not start the workflow: POST {proxy.url}/api/workflow -> "
            "200: expected an id (one word of text), got an HTML page titled 'Sign in & "
            "continue - Corp SSO'") in out

    with FaultProxy(server.base_url) as proxy:
        proxy.answer('{"status": "RUNNING", "tasks": {"a": 1}}', method="GET",
                     path="/api/workflow/*")
        code, out, err = run_migrator("test", "--config-dir", str(config), "--log-format",
                                      "text", base_url=proxy.url)
    assert code == 1, out + err
    assert "This is a bug" not in out + err
    assert (f"GET {proxy.url}/api/workflow/") in out
    assert ("-> 200: expected a workflow execution (an object whose 'tasks' is a list of "
            "tasks): 'tasks' is an object") in out, out


def test_a_secret_quoted_in_an_error_answer_stays_masked(
        run_migrator: RunMigrator, server: Server, config: Path) -> None:
    """The server quotes the secret back, across the point where a long message is cut
    and in a page's title: it is masked everywhere, never cut in two."""
    for message_length in (180, 198, 200, 490, 499, 500):
        message = "x" * (message_length - 3) + " " + SECRET + " and more" * 80
        body = json.dumps({"status": 400, "message": message})
        with FaultProxy(server.base_url) as proxy:
            proxy.answer(body, status=400, method="GET", path=TASKDEFS)
            code, out, err = run_migrator("plan", "--config-dir", str(config), "--log-format",
                                          "text", base_url=proxy.url)
        assert code == 1, out + err
        assert SECRET not in out + err and SECRET[:12] not in out + err, err
    page = LOGIN_PAGE.replace("Sign in &amp; continue - Corp SSO", f"Denied for {SECRET}")
    with FaultProxy(server.base_url) as proxy:
        proxy.answer(page, status=200, content_type="text/html", method="GET", path=TASKDEFS)
        code, out, err = run_migrator("plan", "--config-dir", str(config), "--log-format",
                                      "json", base_url=proxy.url)
    assert code == 1, out + err
    assert SECRET not in out + err and "Denied for ***" in err


def test_a_body_the_servers_parser_refuses_is_reported_as_refused_at_once(
        client: ConductorClient) -> None:
    """Both servers answer a value their JSON parser cannot read with a 500 ("JSON parse
    error: ..."), not a 400: sending the same body again cannot help, so it is one request
    and a refusal quoting the server, not retries ending in "server unavailable"."""
    name = f"{unique_prefix()}_parse"
    with pytest.raises(ServerRejectedError, match="JSON parse error") as refused:
        client.upsert_task_defs([{"name": name, "retryCount": "many"}])
    assert refused.value.status == 500
    assert [(r.method, r.status) for r in client.requests] == [("POST", 500)]
    assert name not in {t["name"] for t in client.list_task_defs()}
