"""The record of the last deploy, kept on the server itself.

After a successful deploy the migrator stores what it deployed (the plan's counts,
APP_ENV, a content hash of the config directory, the source revision, its own version,
the UTC time, and the JSON paths at which each definition may hold a secret, with
their placeholders but never a value: ``_secret_paths``) as JSON in the description of
a task definition named ``__workflow_migrator_deploy_record__``. A task definition
survives restarts on every Conductor and is never run. The record is read back by
``status``, by every plan (to mask those paths) and by ``export``; it is never
compared, planned, pruned or exported (see ``DEPLOY_RECORD_TASK``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow_migrator import _secret_paths as secret_paths
from workflow_migrator._loader import process_folders
from workflow_migrator._models import DEPLOY_RECORD_TASK, JSONObject
from workflow_migrator._plan import ACTIONS, Plan
from workflow_migrator._secret_paths import SecretPaths

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

RECORD_FORMAT = "1"


@dataclasses.dataclass(frozen=True)
class DeployRecord:
    """What the last successful deploy wrote, and from what."""

    deployed_at: str
    app_env: str
    config_sha256: str
    source_revision: str | None
    tool_version: str
    summary: dict[str, int]
    secret_paths: SecretPaths = dataclasses.field(default_factory=dict)

    def same_deploy(self, other: DeployRecord | None) -> bool:
        """Whether ``other`` deployed the same content the same way (time aside)."""
        return other is not None and dataclasses.replace(other, deployed_at=self.deployed_at,
                                                         summary=self.summary) == self

    def to_dict(self) -> dict[str, Any]:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {"format": RECORD_FORMAT, **fields,
                "secret_paths": secret_paths.to_json(self.secret_paths)}


def tool_version() -> str:
    """The installed package's version: read from its ``.dist-info`` where that is the
    one copy of the package's metadata on ``sys.path`` (an install from a wheel, or an
    editable one), else as ``importlib.metadata`` finds it (which costs 10 to 40 ms of a
    start: its import, a listing of every path entry and an e-mail parser)."""
    found = _dist_info_version()
    if found is not None:
        return found
    from importlib import metadata

    try:
        return metadata.version("workflow-migrator")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


def _dist_info_version() -> str | None:
    """The ``Version:`` of the first path entry that holds the package's metadata, when
    that is one ``.dist-info`` folder; None when it is anything else (an ``.egg-info``,
    two candidates, an archive on the path), for ``importlib.metadata`` to decide."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except NotADirectoryError:
            return None  # an archive: importlib.metadata looks inside, this does not
        except OSError:
            continue
        found = [name for name in names if name.endswith((".dist-info", ".egg-info"))
                 and name.rsplit(".", 1)[0].split("-", 1)[0].lower().replace(".", "_")
                 == "workflow_migrator"]
        if not found:
            continue
        if len(found) > 1 or not found[0].endswith(".dist-info"):
            return None
        try:
            with open(os.path.join(entry or ".", found[0], "METADATA"), encoding="utf-8") as file:
                for line in file:
                    if not line.strip():
                        break  # the end of the headers
                    if line.startswith("Version:"):
                        return line.partition(":")[2].strip() or None
        except OSError:
            return None
        return None
    return None


def config_hash(config_dir: Path) -> str:
    """SHA-256 over the path and bytes of every file under tasks/, workflows/ and
    environments/, in a fixed order: equal for equal directories, wherever they are."""
    digest = hashlib.sha256()
    for folder in process_folders():
        for parts, path in sorted(_files(config_dir / folder, (folder,))):
            relative = "/".join(parts).encode()
            with open(path, "rb") as file:
                content = file.read()
            digest.update(len(relative).to_bytes(8, "big") + relative)
            digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _files(folder: Path, parts: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """Every file under ``folder`` as ``Path.rglob("*")`` and ``is_file`` find them (what
    the hash has always covered: links to files, not what linked folders hold), by the
    parts of its path, in a third of their time: no Path object per file."""
    found: list[tuple[tuple[str, ...], str]] = []
    pending = [(str(folder), parts)]
    while pending:
        where, above = pending.pop()
        try:
            entries = list(os.scandir(where))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                pending.append((entry.path, (*above, entry.name)))
            elif entry.is_file():
                found.append(((*above, entry.name), entry.path))
    return found


def new_record(plan: Plan, config_dir: Path, *, app_env: str = "",
               source_revision: str | None = None, now: float | None = None,
               secrets: SecretPaths | None = None) -> DeployRecord:
    """The record of deploying ``plan`` from ``config_dir``; ``secrets``: where the
    server may hold a secret afterwards (``_secret_paths.after_deploy``)."""
    moment = time.gmtime(time.time() if now is None else now)
    return DeployRecord(
        deployed_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", moment),
        app_env=app_env,
        config_sha256=config_hash(config_dir),
        source_revision=source_revision or None,
        tool_version=tool_version(),
        summary={action: plan.count(action) for action in ACTIONS},
        secret_paths=dict(secrets or {}),
    )


def record_task_def(record: DeployRecord) -> JSONObject:
    """The task definition that carries ``record``; never scheduled by any workflow."""
    return {
        "name": DEPLOY_RECORD_TASK,
        "description": json.dumps(record.to_dict(), sort_keys=True),
        "ownerEmail": "workflow-migrator@example.com",
        "retryCount": 0,
        "timeoutSeconds": 60,
        "responseTimeoutSeconds": 60,
    }


def parse_record(task_def: JSONObject | None) -> DeployRecord | None:
    """The record a task definition carries; None when absent or unreadable."""
    if not task_def:
        return None
    try:
        data = json.loads(str(task_def.get("description") or ""))
        return DeployRecord(
            deployed_at=str(data["deployed_at"]), app_env=str(data.get("app_env", "")),
            config_sha256=str(data["config_sha256"]),
            source_revision=data.get("source_revision") or None,
            tool_version=str(data.get("tool_version", "")),
            summary={str(k): int(v) for k, v in dict(data.get("summary", {})).items()},
            secret_paths=secret_paths.from_json(data.get("secret_paths")),
        )
    except (ValueError, KeyError, TypeError):
        return None


def write_record(client: ConductorClient, record: DeployRecord, *, exists: bool) -> None:
    """Stores ``record``: updates the task definition when the server has one, else
    creates it."""
    body = record_task_def(record)
    if exists:
        client.update_task_def(body)
    else:
        client.upsert_task_defs([body])


@dataclasses.dataclass(frozen=True)
class Status:
    """The last deploy the server recorded, and whether it has drifted since."""

    record: DeployRecord | None
    config_sha256: str
    plan: Plan

    @property
    def drifted(self) -> bool:
        return self.plan.has_changes

    def to_dict(self) -> dict[str, Any]:
        return {"last_deploy": self.record.to_dict() if self.record else None,
                "config_sha256": self.config_sha256,
                "config_matches_last_deploy": bool(
                    self.record and self.record.config_sha256 == self.config_sha256),
                "drifted": self.drifted, "plan": self.plan.to_dict()}


