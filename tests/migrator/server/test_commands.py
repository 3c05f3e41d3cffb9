"""The commands that talk to a server, called as functions (``_commands``): each returns
its result value and exit code, and every server read goes through the one reader
(``read_live``), which keeps the deploy record out of what ``export`` writes."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import cast

import pytest

from tests.support.configs import unique_prefix, write_config
from tests.support.metrics import drift, parse_metrics
from tests.support.stacks import Server
from workflow_migrator._commands.deploy import deploy
from workflow_migrator._commands.diff import diff
from workflow_migrator._commands.drift import drift as drift_command
from workflow_migrator._commands.export import export
from workflow_migrator._commands.plan import plan
from workflow_migrator._commands.result import EXIT_CHANGES, EXIT_OK
from workflow_migrator._commands.session import Session
from workflow_migrator._commands.status import status
from workflow_migrator._models import DEPLOY_RECORD_TASK
from workflow_migrator._output import Reporter
from workflow_migrator._settings import Settings

pytestmark = pytest.mark.server


def _session(server: Server) -> Session:
    return Session(Reporter(log_format="json", out=io.StringIO(), err=io.StringIO()),
                   Settings(conductor_base_url=server.base_url, app_env="test"))


def _out(session: Session) -> str:
    return cast(io.StringIO, session.reporter.out).getvalue()


def test_plan_deploy_status_diff_export_as_functions(server: Server, tmp_path: Path) -> None:
    prefix = unique_prefix()
    config = write_config(tmp_path / "config", prefix, tasks=3, workflows=1)

    planned = plan(_session(server), config_dir=config, detailed_exitcode=True,
                   output_format="json", metrics_file=tmp_path / "drift.prom")
    assert planned.exit_code == EXIT_CHANGES
    assert planned.value.count("create") == 4
    samples = parse_metrics((tmp_path / "drift.prom").read_text())
    assert drift(samples, kind="task", action="create") >= 3

    session = _session(server)
    deployed = deploy(session, config_dir=config, source_revision="r1")
    applied_plan, applied = deployed.value
    assert deployed.exit_code == EXIT_OK and applied is not None and applied.created == 4
    assert applied_plan.count("create") == 4

    found = status(_session(server), config_dir=config, detailed_exitcode=True)
    assert found.exit_code == EXIT_OK and not found.value.drifted
    assert found.value.record is not None and found.value.record.source_revision == "r1"

    again = plan(_session(server), config_dir=config, detailed_exitcode=True, impact=False)
    assert (again.exit_code, again.value.has_changes) == (EXIT_OK, False)
    dry = deploy(_session(server), config_dir=config, dry_run=True)
    assert (dry.exit_code, dry.value[0].has_changes, dry.value[1]) == (EXIT_OK, False, None)

    compared = diff(_session(server), source=str(config), target=server.base_url,
                    match=(f"{prefix}_*",), detailed_exitcode=True)
    assert (compared.exit_code, compared.value.has_changes) == (EXIT_OK, False)

    exported_to = tmp_path / "exported"
    session = _session(server)
    result = export(session, config_dir=exported_to)
    assert result.exit_code == EXIT_OK
    names = {json.loads(p.read_text())["name"] for p in exported_to.rglob("*.json")}
    assert DEPLOY_RECORD_TASK not in names
    assert {f"{prefix}_task_{i}" for i in range(3)} | {f"{prefix}_flow_0"} <= names
    assert _out(session).startswith(f"Exported {result.value.tasks} task definition(s)")


def test_the_drift_metrics_command_writes_the_gauges(server: Server, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", unique_prefix(), tasks=1, workflows=0)
    planned = plan(_session(server), config_dir=config, impact=False).value
    metrics = tmp_path / "drift.prom"
    written = drift_command(_session(server), planned, metrics_file=metrics, now=1.0)
    assert written.value == metrics.read_text()
    assert 'app_env="test"' in written.value
    assert drift(parse_metrics(written.value), kind="task", action="create") == 1
