"""Which names the servers can read back and delete, on both servers and for every kind
of definition: exactly the names the ``name`` rule lets through; and prune leaves the
names it cannot delete instead of failing on them.

A name refused here stays on the server for good (nothing can delete it): the refused
names are few and fixed (no test's own prefix), so reruns add no new ones.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.support.configs import keep_all_but, unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.stacks import Server
from workflow_migrator import ConductorClient, ConductorError
from workflow_migrator._rules.names import MAX_NAME_BYTES, name_problem, unaddressable

pytestmark = pytest.mark.server

#: Names with every kind of character that might trouble a URL path; ``{p}`` is a
#: test's own prefix, the refused names are fixed.
NAMES = ["{p}a%b", "{p}a%2Fb", "{p}a?b", "{p}a#b", "{p}a;b", "{p}a b", " {p}a ", "{p}a\tb",
         "{p}a\nb", "{p}a\rb", "{p}a\x7fb", "{p}a\x85b", "{p}aé😀", "{p}a..b", ".{p}a", "{p}a.",
         "{p}a.json", "{p}" + "x" * (MAX_NAME_BYTES - 9),
         # refused by the name rule:
         "names_probe/a", "names_probe/", "names_probe\\a", "names_probe\x00a", ".", "..",
         "names_probe_" + "z" * 9000]


def _task_round_trip(client: ConductorClient, base_url: str, name: str) -> bool:
    client.upsert_task_defs([{"name": name, "ownerEmail": "team@example.com",
                              "timeoutSeconds": 60, "responseTimeoutSeconds": 60}])
    read = httpx.get(f"{base_url}/api/metadata/taskdefs/{quote(name, safe='')}", timeout=30)
    if read.status_code != 200 or not isinstance(read.json(), dict):
        return False  # "." reads the list of every task definition
    client.delete_task_def(name)
    return read.json().get("name") == name and all(
        t.get("name") != name for t in client.list_task_defs())


def _workflow_round_trip(client: ConductorClient, base_url: str, name: str) -> bool:
    client.upsert_workflow_defs([{
        "name": name, "version": 1, "schemaVersion": 2, "ownerEmail": "team@example.com",
        "tasks": [{"name": "set", "taskReferenceName": "set", "type": "SET_VARIABLE",
                   "inputParameters": {"a": 1}}]}])
    read = client.workflow_def(name, 1)
    client.running_ids(name)
    client.delete_workflow_def(name, 1)
    return read is not None and read.get("name") == name and all(
        w.get("name") != name for w in client.list_workflow_defs())


def _handler_round_trip(client: ConductorClient, base_url: str, name: str) -> bool:
    client.create_event_handler({
        "name": name, "event": "conductor:names_probe", "active": False,
        "actions": [{"action": "complete_task",
                     "complete_task": {"workflowId": "w", "taskRefName": "t"}}]})
    client.delete_event_handler(name)
    return all(h.get("name") != name for h in client.list_event_handlers())


RoundTrip = Callable[[ConductorClient, str, str], bool]


@pytest.mark.parametrize("round_trip", [_task_round_trip, _workflow_round_trip,
                                        _handler_round_trip], ids=["task", "workflow", "handler"])
def test_the_name_rule_refuses_exactly_the_names_the_server_cannot_address(
        server: Server, client: ConductorClient, round_trip: RoundTrip) -> None:
    prefix = unique_prefix()
    names = [name.replace("{p}", prefix) for name in NAMES]

    def works(name: str) -> bool:
        try:
            return round_trip(client, server.base_url, name)
        except ConductorError:
            return False  # answered 400 (or 5xx) to the name's URL

    found = {repr(name[:40]): works(name) for name in names}
    # Up to the rule's length limit, the server addresses exactly the names the rule
    # lets through; far beyond it (about 8 KB of URL) it addresses none.
    assert found == {repr(name[:40]): unaddressable(name) is None for name in names}
    assert [name_problem(name) is None for name in names[:18]] == [True] * 18


def test_prune_leaves_a_name_the_server_cannot_delete_and_deletes_the_rest(
        tmp_path: Path, client: ConductorClient, run_migrator: RunMigrator) -> None:
    prefix = "names_prune"  # fixed: the names it cannot delete stay for good
    # Written past the name rule (by another tool, or an older migrator).
    client.upsert_task_defs([{"name": f"{prefix}_stuck/name"}, {"name": f"{prefix}_gone"},
                             {"name": f"{prefix}_" + "z" * 9000}])
    config = tmp_path / "config"
    (config / "tasks").mkdir(parents=True)
    (config / "tasks" / "kept.json").write_text(json.dumps({"name": f"{prefix}_kept"}))
    code, out, err = run_migrator("deploy", "--config-dir", str(config), "--prune",
                                  *keep_all_but(prefix), "--log-format", "text")
    assert code == 0, out + err
    assert f"task {prefix}_stuck/name: the name contains '/'" in out
    assert "characters long: too long for the URL" in out
    names = {t.get("name") for t in client.list_task_defs()}
    assert {f"{prefix}_kept", f"{prefix}_stuck/name"} <= names
    assert f"{prefix}_gone" not in names
