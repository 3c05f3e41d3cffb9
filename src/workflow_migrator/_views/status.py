"""A status (``status``) as text; its JSON is ``Status.to_dict``."""

from __future__ import annotations

from typing import Any

from workflow_migrator._record import Status


def status_text(status: Status, config_dir: str, plan_text: str) -> str:
    """``status`` for people: the last deploy, the directory, and the drift (the plan)."""
    lines = []
    record = status.record
    if record is None:
        lines.append("Last deploy: none recorded on this server.")
    else:
        counts = record.summary
        lines.append(f"Last deploy: {record.deployed_at}, APP_ENV {record.app_env or '(none)'}, "
                     f"revision {record.source_revision or '(not given)'}, "
                     f"workflow-migrator {record.tool_version}")
        lines.append(f"  {counts.get('create', 0)} created, {counts.get('update', 0)} updated, "
                     f"{counts.get('delete', 0)} deleted, {counts.get('unchanged', 0)} unchanged")
        same = record.config_sha256 == status.config_sha256
        lines.append(f"Config directory {config_dir}: "
                     + ("the content of the last deploy" if same else
                        "content differs from the last deploy"))
    if status.drifted:
        lines.append(f"Drift: the server differs from {config_dir}:")
        lines.append("")
        lines.append(plan_text)
    else:
        lines.append(f"Drift: none, the server holds exactly the definitions of {config_dir}.")
    return "\n".join(lines)


def render_status(status: Status, output_format: str, config_dir: str) -> str | dict[str, Any]:
    """``status --format``: its text, or its JSON document."""
    if output_format == "json":
        return status.to_dict()
    from workflow_migrator._views.plan import plan_text

    return status_text(status, config_dir, plan_text(status.plan))
