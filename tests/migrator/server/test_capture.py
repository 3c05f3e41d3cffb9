"""``workflow-migrator test capture`` on the real engines: an order workflow runs for
real (a real worker, a card declined then accepted, a sub-workflow), is captured, and
the captured case passes on the definitions that produced it; changing a SWITCH case
makes the same case fail where the path diverges; a secret that passed through the
execution never reaches the file; the server's search captures on conductor-oss and
finds nothing on the production core, which runs without a search index."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.configs import server_client, unique_prefix
from tests.support.migrator import RunMigrator
from tests.support.paths import REPO_ROOT
from tests.support.stacks import Server
from workflow_migrator import deploy

pytestmark = pytest.mark.server

FIXTURE = REPO_ROOT / "tests" / "migrator" / "fixtures" / "workflow_tests"
SECRET = f"sk-{uuid.uuid4().hex}"


def _copy_fixture(directory: Path, prefix: str, *relatives: str) -> Path:
    """The fixture's files under names of the test's own."""
    for relative in relatives:
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((FIXTURE / relative).read_text().replace("wt_", f"{prefix}_"))
    return directory


def _run_for_real(server: Server, directory: Path, app_env: str, request: dict[str, object],
                  worker: Callable[[threading.Event], None]) -> str:
    """Deploys the directory, starts the workflow and lets ``worker`` answer its tasks
    until it ends; returns the execution's id."""
    done = threading.Event()
    with server_client(server.base_url) as client:
        deploy(directory, client, app_env=app_env, wait_timeout=30)
        execution_id = client.start_workflow(request)
        thread = threading.Thread(target=worker, args=(done,), daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while client.get_workflow(execution_id).get("status") == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not finish"
            time.sleep(0.2)
        done.set()
        thread.join(10)
        assert client.get_workflow(execution_id)["status"] == "COMPLETED"
    return execution_id


def _production_like(directory: Path, prefix: str) -> Path:
    """The fixture's order flow under names of the test's own, with an environment whose
    API_KEY is a secret."""
    _copy_fixture(directory, prefix, "tasks/tasks.yaml", "workflows/wt_order.yaml",
                  "workflows/wt_tell_customer.yaml")
    (directory / "environments").mkdir()
    (directory / "environments" / "test.yaml").write_text(
        f"values: {{API_KEY: {SECRET}}}\nsecret: [API_KEY]\n")
    return directory


def _work(base_url: str, prefix: str, done: threading.Event) -> None:
    """A real worker (no domain): looks the customer up (echoing the secret it was given),
    declines the first charge, accepts the second, sends the notification."""
    charges = 0
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while not done.is_set():
            for name in ("lookup", "charge", "notify"):
                try:
                    polled = http.get(f"/api/tasks/poll/{prefix}_{name}",
                                      params={"workerid": "w"})
                except httpx.TransportError:
                    continue  # a busy server: poll again, as a real worker does
                if polled.status_code != 200 or not polled.content:
                    continue
                task = polled.json()
                result = {"workflowInstanceId": task["workflowInstanceId"],
                          "taskId": task["taskId"], "workerId": "w", "status": "COMPLETED"}
                if name == "lookup":
                    result["outputData"] = {"tier": "gold", "token": SECRET}
                elif name == "charge":
                    charges += 1
                    if charges == 1:
                        result.update(status="FAILED", reasonForIncompletion="card declined")
                    else:
                        result["outputData"] = {"charged": True}
                else:
                    result["outputData"] = {"sent": True}
                http.post("/api/tasks", json=result).raise_for_status()
            time.sleep(0.1)


@pytest.fixture(scope="module")
def production(server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A directory deployed to the server and one finished execution of its order flow:
    (directory, prefix, execution id)."""
    prefix = unique_prefix()
    directory = _production_like(tmp_path_factory.mktemp("capture") / "config", prefix)
    execution_id = _run_for_real(
        server, directory, "test",
        {"name": f"{prefix}_order", "version": 1,
         "input": {"customerId": 42, "amount": 100, "apiKey": SECRET}},
        lambda done: _work(server.base_url, prefix, done))
    return directory, prefix, execution_id


def _own_copy(production: tuple[Path, str, str], tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    shutil.copytree(production[0], directory)
    return directory


def test_a_captured_execution_passes_and_keeps_no_secret(
        production: tuple[Path, str, str], tmp_path: Path, run_migrator: RunMigrator) -> None:
    _, prefix, execution_id = production
    directory = _own_copy(production, tmp_path)
    output = directory / "tests" / "captured.yaml"
    output.parent.mkdir()
    code, out, err = run_migrator("test", "capture", "--config-dir", str(directory),
                                  "--execution", execution_id, "--redact", "customerId",
                                  "--output", str(output))
    assert code == 0, err
    text = output.read_text()
    assert SECRET not in text and SECRET not in out + err
    captured = yaml.safe_load(text)
    [case] = captured["cases"]
    assert captured["workflow"] == f"{prefix}_order"
    assert case["input"] == {"customerId": "REDACTED", "amount": 100, "apiKey": "@{API_KEY}"}
    assert case["tasks"]["charge"] == [{"status": "FAILED", "reason": "card declined"},
                                       {"status": "COMPLETED", "output": {"charged": True}}]
    assert case["tasks"]["lookup"]["output"] == {"tier": "gold", "token": "@{API_KEY}"}
    assert case["tasks"]["tell/notify"] == {"status": "COMPLETED", "output": {"sent": True}}
    assert case["expect"]["path"] == ["lookup", "route", "gold_discount", "total", "charge",
                                      "charge", "tell", "tell/notify"]
    assert "input.apiKey (secret)" in case["redacted"]
    assert "input.customerId (--redact customerId)" in case["redacted"]
    assert "tasks.lookup.output.token (secret)" in case["redacted"]

    code, out, err = run_migrator("test", "--config-dir", str(directory))
    assert code == 0, out + err
    assert "1 passed" in out

    # The same input now takes the default branch: the case fails at the SWITCH's task.
    workflow = directory / "workflows" / "wt_order.yaml"
    workflow.write_text(workflow.read_text().replace("      gold:\n", "      platinum:\n"))
    code, out, _ = run_migrator("test", "--config-dir", str(directory))
    assert code == 1
    assert "path: diverged at step 3: expected 'gold_discount', ran 'no_discount'" in out


def test_search_captures_on_oss_and_finds_nothing_on_the_production_core(
        server: Server, production: tuple[Path, str, str], tmp_path: Path,
        run_migrator: RunMigrator) -> None:
    _, prefix, execution_id = production
    directory = _own_copy(production, tmp_path)
    output = tmp_path / "searched.json"
    code, out, err = run_migrator("test", "capture", "--config-dir", str(directory),
                                  "--search", f'workflowType="{prefix}_order"', "--limit", "5",
                                  "--output", str(output))
    if server.is_core:  # indexing is off: the search finds nothing, and says what to do
        assert code == 1 and not output.exists()
        assert "found no execution" in err and "--execution ID" in err
        return
    assert code == 0, err
    [case] = yaml.safe_load(output.read_text())["cases"]  # JSON is YAML
    assert case["name"] == f"execution {execution_id}"
    assert SECRET not in output.read_text()


def test_capture_refuses_an_execution_of_a_workflow_the_directory_lacks(
        production: tuple[Path, str, str], tmp_path: Path, run_migrator: RunMigrator) -> None:
    _, prefix, execution_id = production
    directory = _own_copy(production, tmp_path)
    (directory / "workflows" / "wt_order.yaml").unlink()
    output = tmp_path / "nothing.yaml"
    code, _, err = run_migrator("test", "capture", "--config-dir", str(directory),
                                "--execution", execution_id, "--output", str(output))
    assert code == 1 and not output.exists()
    assert f"ran workflow {prefix}_order, which the directory does not define" in err


def _answer_steps(base_url: str, task_type: str, done: threading.Event) -> None:
    """A real worker that answers every task of ``task_type`` with the round it got."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while not done.is_set():
            try:
                polled = http.get(f"/api/tasks/poll/{task_type}", params={"workerid": "w"})
            except httpx.TransportError:
                continue
            if polled.status_code == 200 and polled.content:
                task = polled.json()
                http.post("/api/tasks", json={
                    "workflowInstanceId": task["workflowInstanceId"], "taskId": task["taskId"],
                    "workerId": "w", "status": "COMPLETED",
                    "outputData": {"n": (task.get("inputData") or {}).get("round", 0)},
                }).raise_for_status()
            else:
                time.sleep(0.1)


def test_a_real_http_call_and_a_loop_are_captured_and_replayed(
        server: Server, tmp_path: Path, run_migrator: RunMigrator) -> None:
    """An HTTP task that called the server for real becomes an outcome: the replay
    answers it from the file and calls out to nothing."""
    prefix = unique_prefix()
    directory = _copy_fixture(tmp_path / "config", prefix, "tasks/tasks.yaml",
                              "workflows/wt_batch.yaml")
    execution_id = _run_for_real(
        server, directory, "",
        {"name": f"{prefix}_batch", "version": 1,
         "input": {"healthUrl": f"{server.base_url}/health"}},
        lambda done: _answer_steps(server.base_url, f"{prefix}_step", done))
    output = directory / "tests" / "batch.yaml"
    output.parent.mkdir()
    code, _, err = run_migrator("test", "capture", "--config-dir", str(directory),
                                "--execution", execution_id, "--output", str(output),
                                app_env="")
    assert code == 0, err
    [case] = yaml.safe_load(output.read_text())["cases"]
    assert case["tasks"]["probe"]["status"] == "COMPLETED"
    assert case["tasks"]["probe"]["output"]["response"]["statusCode"] == 200
    assert [o["output"]["n"] for o in case["tasks"]["item"]] == [1, 2, 3]
    assert case["expect"]["path"] == ["fork", "left", "right", "join", "loop", "item", "item",
                                      "item", "probe"]
    code, out, err = run_migrator("test", "--config-dir", str(directory), app_env="")
    assert code == 0, out + err
