"""Writes what a server holds as a config directory that ``deploy`` reads back unchanged.

Each task definition, workflow and event handler gets a file of its own, in the
comparable form ``_compare.normalise`` gives it: no field the server manages and no
field that holds the server's default, so the file is what a person would have
written, and ``plan`` of the export shows no change. Keys come in a fixed order
(``name`` and a few others first, the rest sorted) and the text is formatted one
way, so exporting an unchanged server twice gives the same bytes.

A workflow file always states its ``version``: without ``all_versions`` only the
newest version is written, and an explicit version is what keeps ``plan`` quiet
(an automatic file would compare with the newest version too, but would register a
new one on the first change, where an export should describe the server as it is).

The samples a stock server loads at boot are skipped, but only while their content
is the stock content: a team's own workflow named ``http`` is exported. The migrator's
own deploy record is never exported; the secret paths it keeps (``_secret_paths``) are
written as their placeholders (``@{API_TOKEN}``), never as the value the server holds.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import shutil
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from workflow_migrator import _secret_paths as secret_paths
from workflow_migrator._compare import normalise
from workflow_migrator._exceptions import MigratorError
from workflow_migrator._fields import KIND, KINDS
from workflow_migrator._grammar import PLACEHOLDER_START, UNSAFE_FILE_NAME_CHAR
from workflow_migrator._models import (
    BOOT_SAMPLE_TASKS,
    BOOT_SAMPLE_WORKFLOWS,
    DEPLOY_RECORD_TASK,
    JSONObject,
    Kind,
)
from workflow_migrator._output import NULL_REPORTER, Reporter
from workflow_migrator._rules.names import name_problem

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

ExportFormat = Literal["json", "yaml"]
#: Keys written first, in this order, wherever they occur; every other key follows sorted.
LEADING_KEYS = ("name", "taskReferenceName", "type", "action", "description", "version",
                "event", "condition", "evaluatorType", "active")
#: The longest file name an export writes before its hash and suffix: far below the 255
#: bytes file systems allow, and short enough to read in a listing.
MAX_STEM = 100


@dataclasses.dataclass(frozen=True)
class ExportResult:
    """What an export wrote and what it left out."""

    directory: Path
    files: tuple[str, ...]
    tasks: int
    workflows: int
    workflow_versions: int
    event_handlers: int
    skipped_samples: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    #: definitions left out because no file can manage them, each with the reason
    unmanageable: tuple[str, ...] = ()
    #: files named otherwise than their definition (an unsafe or too long name)
    renamed: tuple[str, ...] = ()
    #: how many secret values were written as their placeholder
    placeholders: int = 0
    #: files in which a secret was written as ``UNKNOWN_PLACEHOLDER``
    unknown_placeholders: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ExportPlan:
    """Which file each definition goes to, and what is left out and why."""

    files: list[Exported]
    #: the stock boot samples a server loads by itself
    skipped: list[str]
    #: names matched by ``--exclude``
    excluded: list[str]
    #: definitions whose names the server cannot read back or delete, or that no file name
    #: can hold: a file holding one could never deploy (the ``name`` rule refuses it), so
    #: the export names them instead of writing files that break the round trip
    unmanageable: list[str]


@dataclasses.dataclass(frozen=True)
class Exported:
    """One file of an export: where it goes and what it holds."""

    path: str
    kind: Kind
    name: str
    body: JSONObject
    #: the file's name is not the definition's name
    renamed: bool = False
    #: secret values written as their placeholder, and how many of them as
    #: ``UNKNOWN_PLACEHOLDER``
    placeholders: int = 0
    unknown_placeholders: int = 0


def export(config_dir: Path, client: ConductorClient, *, output_format: ExportFormat = "json",
           all_versions: bool = False, exclude: Iterable[str] = (), force: bool = False,
           wait_timeout: float = 300.0, reporter: Reporter = NULL_REPORTER) -> ExportResult:
    """Writes every definition the server holds into ``config_dir``.

    :param config_dir: a new or empty directory (any directory with ``force``).
    :param client: the server to read.
    :param output_format: ``json`` or ``yaml`` files.
    :param all_versions: every version of every workflow, not only the newest.
    :param exclude: glob patterns of names to leave out (tasks, workflows, event handlers).
    :param force: write into a non-empty directory: its ``tasks/``, ``workflows/`` and
        ``event-handlers/`` are replaced, everything else in it stays.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :param reporter: where the wait and the server's generation are logged.
    """
    from workflow_migrator._pipeline import read_live

    _check_target(config_dir, force)
    # The one reader of a server: it holds the deploy record apart from the definitions;
    # the record goes along only for the secret paths it notes.
    live = read_live(client, wait_timeout, reporter)
    record = [live.deploy_record] if live.deploy_record is not None else []
    planned = plan_export([*live.tasks, *record], live.workflows, live.event_handlers,
                          output_format=output_format, all_versions=all_versions,
                          exclude=tuple(exclude))
    files = planned.files
    _write_atomically(config_dir, files, output_format)
    kinds = [f.kind for f in files]
    return ExportResult(
        config_dir, tuple(f.path for f in files), tasks=kinds.count("task"),
        workflows=len({f.name for f in files if f.kind == "workflow"}),
        workflow_versions=kinds.count("workflow"), event_handlers=kinds.count("event_handler"),
        skipped_samples=tuple(planned.skipped), excluded=tuple(planned.excluded),
        unmanageable=tuple(planned.unmanageable),
        renamed=tuple(f.path for f in files if f.renamed),
        placeholders=sum(f.placeholders for f in files),
        unknown_placeholders=tuple(f.path for f in files if f.unknown_placeholders))


def plan_export(tasks: Iterable[JSONObject], workflows: Iterable[JSONObject],
                handlers: Iterable[JSONObject], *, output_format: ExportFormat = "json",
                all_versions: bool = False,
                exclude: tuple[str, ...] = ()) -> ExportPlan:
    """Which file each definition goes to, with its body, and what is left out. Reads and
    writes nothing."""
    suffix = ".yaml" if output_format == "yaml" else ".json"
    skipped: list[str] = []
    excluded: list[str] = []
    unmanageable: list[str] = []
    stock_tasks, stock_workflows = stock_samples()

    def wanted(kind: Kind, body: JSONObject) -> bool:
        name = str(body.get("name", ""))
        label = f"{KIND[kind].noun} {name}"
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude):
            excluded.append(label)
            return False
        problem = name_problem(name)
        if problem:
            unmanageable.append(f"{KIND[kind].noun} {_shown(name)}: {problem}")
            return False
        stock = stock_tasks if kind == "task" else stock_workflows if kind == "workflow" else {}
        if name in stock and _same(kind, body, stock[name]):
            skipped.append(label)
            return False
        return True

    files: list[Exported] = []
    names = _FileNames()
    tasks = list(tasks)
    # The migrator's own bookkeeping: not a definition, and where the secrets sit.
    record = next((t for t in tasks if _name(t) == DEPLOY_RECORD_TASK), None)
    secrets = secret_paths.recorded(record)

    def exported(kind: Kind, body: JSONObject, tail: str = "") -> Exported:
        path = names.path(_folder(kind), _name(body), tail, suffix)
        written, count, unknown = secret_paths.with_placeholders(
            _body(kind, body), secrets.get(secret_paths.key(kind, _name(body)), {}))
        return Exported(path, kind, _name(body), written, renamed=path in names.renamed,
                        placeholders=count, unknown_placeholders=unknown)

    for body in sorted(tasks, key=_name):
        if body is not record and wanted("task", body):
            files.append(exported("task", body))
    newest: dict[str, JSONObject] = {}
    every: list[JSONObject] = []
    for body in sorted(workflows, key=lambda w: (_name(w), _version(w))):
        newest[_name(body)] = body
        every.append(body)
    for body in every if all_versions else sorted(newest.values(), key=_name):
        if wanted("workflow", body):
            files.append(exported("workflow", body,
                                  f".v{_version(body)}" if all_versions else ""))
    for body in sorted(handlers, key=_name):
        if wanted("event_handler", body):
            files.append(exported("event_handler", body))
    return ExportPlan(files, skipped, excluded, unmanageable)


def _shown(name: str, limit: int = 60) -> str:
    """A name as a message can show it: printable, and cut when very long."""
    text = name.encode("unicode_escape").decode("ascii")
    return repr(text if len(text) <= limit else f"{text[:limit]}… ({len(name):,} characters)")


def render(body: JSONObject, output_format: ExportFormat) -> str:
    """One definition as file text: always the same text for the same content."""
    if output_format == "yaml":
        return str(yaml.safe_dump(body, sort_keys=False, allow_unicode=True,
                                  default_flow_style=False, width=100))
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def stock_samples() -> tuple[dict[str, JSONObject], dict[str, JSONObject]]:
    """The stock task definitions and workflows Orkes Conductor v1.1.12 loads at boot
    (its ``server/src/main/resources/tasks.json`` and ``workflows.json``)."""
    folder = resources.files("workflow_migrator") / "_samples"
    tasks = json.loads((folder / "boot_tasks.json").read_text(encoding="utf-8"))
    workflows = json.loads((folder / "boot_workflows.json").read_text(encoding="utf-8"))
    return ({t["name"]: t for t in tasks if t["name"] in BOOT_SAMPLE_TASKS},
            {w["name"]: w for w in workflows if w["name"] in BOOT_SAMPLE_WORKFLOWS})


def _folder(kind: Kind) -> str:
    return KIND[kind].folder


def _same(kind: Kind, live: JSONObject, stock: JSONObject) -> bool:
    return normalise(kind, live, keep_version=False) == normalise(kind, stock, keep_version=False)


def _body(kind: Kind, body: JSONObject) -> JSONObject:
    """The definition as a person writes it: defaults and server-managed fields left
    out, keys in a fixed order, ``@{`` escaped."""
    ordered = _ordered(_escaped(normalise(kind, body)))
    assert isinstance(ordered, dict)
    return ordered


def _ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = [k for k in LEADING_KEYS if k in value]
        keys += sorted((k for k in value if k not in LEADING_KEYS), key=str)
        return {k: _ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


def _escaped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, str) and "@{" in value:
        # ``@{NAME}`` in a server's text would be taken for a placeholder: ``@@{NAME}``.
        return PLACEHOLDER_START.sub("@@", value)
    return value


def _name(body: JSONObject) -> str:
    return str(body.get("name", ""))


def _version(body: JSONObject) -> int:
    version = body.get("version", 1)
    return version if isinstance(version, int) else 1


class _FileNames:
    """File names safe on every file system: characters other than letters, digits,
    ``.``, ``_`` and ``-`` become ``_``, a name longer than ``MAX_STEM`` is cut there,
    and a name that had to change, or that differs from another only in case, gets a
    hash of the real name (longer when the short one is taken), so no two definitions
    ever share a file and the same server gives the same names. ``renamed`` holds the
    files whose name is not their definition's name."""

    def __init__(self) -> None:
        self._taken: set[str] = set()
        self.renamed: set[str] = set()

    def path(self, folder: str, name: str, tail: str, suffix: str) -> str:
        stem = UNSAFE_FILE_NAME_CHAR.sub("_", name)[:MAX_STEM]
        if stem.startswith(".") or not stem:
            stem = "_" + stem
        path = f"{folder}/{stem}{tail}"
        if stem != name or path.lower() in self._taken:
            digest = hashlib.sha256(name.encode()).hexdigest()
            path = next(candidate for length in (8, 16, 64)
                        if (candidate := f"{folder}/{stem}-{digest[:length]}{tail}").lower()
                        not in self._taken or length == 64)
            if path.lower() in self._taken:  # pragma: no cover - two names, one SHA-256
                raise MigratorError(f"two definitions would share the file {path}{suffix}")
            self.renamed.add(f"{path}{suffix}")
        self._taken.add(path.lower())
        return path + suffix


def _check_target(config_dir: Path, force: bool) -> None:
    if config_dir.exists() and not config_dir.is_dir():
        raise MigratorError(f"{config_dir} exists and is not a directory")
    if config_dir.is_dir() and any(config_dir.iterdir()) and not force:
        raise MigratorError(f"{config_dir} is not empty: export writes into a new or empty "
                            "directory (--force replaces its tasks/, workflows/ and "
                            "event-handlers/)")


def _write_atomically(config_dir: Path, files: list[Exported], output_format: ExportFormat) -> None:
    """Writes every file into a temporary directory beside ``config_dir``, then moves it
    into place with renames; on any failure, nothing of it is left behind."""
    parent = config_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{config_dir.name}.export-", dir=parent))
    except OSError as exc:
        raise MigratorError(f"cannot write {config_dir}: {exc.strerror or exc}") from exc
    try:
        for file in files:
            target = staging / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(file.body, output_format), encoding="utf-8")
        if not config_dir.exists() or not any(config_dir.iterdir()):
            if config_dir.exists():
                config_dir.rmdir()
            staging.rename(config_dir)
            return
        _swap_folders(staging, config_dir)
    except OSError as exc:
        raise MigratorError(f"cannot write {config_dir}: {exc.strerror or exc}; nothing was "
                            "changed") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_folders(staging: Path, config_dir: Path) -> None:
    """Replaces the definition folders of a non-empty ``config_dir`` (``--force``) with
    the staged ones, one rename each; the old ones are moved aside first and put back
    if a rename fails."""
    aside = staging / ".previous"
    aside.mkdir()
    moved: list[str] = []
    placed: list[str] = []
    try:
        for folder in (info.folder for info in KINDS):
            if (config_dir / folder).exists():
                (config_dir / folder).rename(aside / folder)
                moved.append(folder)
            if (staging / folder).exists():
                (staging / folder).rename(config_dir / folder)
                placed.append(folder)
    except OSError:
        for folder in placed:
            shutil.rmtree(config_dir / folder, ignore_errors=True)
        for folder in moved:
            (aside / folder).rename(config_dir / folder)
        raise
