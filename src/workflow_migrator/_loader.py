"""Reads a config directory into a DefinitionSet.

Layout: ``DIR/tasks/**`` holds task definitions, ``DIR/workflows/**`` workflow
definitions and ``DIR/event-handlers/**`` event handlers, as ``.json``, ``.yaml``
or ``.yml`` files of one object or a list of them.
``DIR/environments/<APP_ENV>.yaml`` supplies the values of ``@{NAME}``
placeholders (``@@{`` writes a literal ``@{``); Conductor's own ``${...}``
expressions pass through untouched. Every problem is collected as a Finding, so
one run reports all of them.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from workflow_migrator._fields import KINDS
from workflow_migrator._findings import Finding, json_path
from workflow_migrator._models import Definition, DefinitionSet, Kind, Source

DEFINITION_FOLDERS: dict[Kind, str] = {info.kind: info.folder for info in KINDS}
SUFFIXES = (".json", ".yaml", ".yml")
#: The deepest nesting of objects and lists a file may hold. Real definitions stay far
#: below it (a task in a loop in a switch in a fork is some 15 levels); the validation and
#: the comparison walk documents recursively and would exhaust Python's stack far deeper.
MAX_NESTING = 100
PLACEHOLDER = re.compile(r"@(@?)\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def load_directory(config_dir: Path, app_env: str = "") -> tuple[DefinitionSet, list[Finding]]:
    """Loads every definition under ``config_dir``.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param app_env: the environment whose ``environments/<app_env>.yaml`` fills placeholders.
    :returns: the definitions that parsed, and every problem found on the way.
    """
    findings: list[Finding] = []
    if not config_dir.is_dir():
        return DefinitionSet(), [Finding(str(config_dir), "", "config directory not found", "load")]
    values, secret_keys = _load_environment(config_dir, app_env, findings)
    loaded: dict[Kind, list[Definition]] = {kind: [] for kind in DEFINITION_FOLDERS}
    for kind, folder in DEFINITION_FOLDERS.items():
        for source, body, secret_paths in read_items(config_dir, folder, values, findings,
                                                     secret_keys):
            loaded[kind].append(Definition(kind, body, source, secret_paths))
    if not any(loaded.values()) and not findings:
        folders = [f"{folder}/" for folder in DEFINITION_FOLDERS.values()]
        findings.append(Finding(str(config_dir), "", "no definitions found under "
                                f"{', '.join(folders[:-1])} or {folders[-1]}", "load", "warning"))
    secrets = frozenset(text for k in secret_keys if k in values for text in _scalars(values[k]))
    return DefinitionSet(tuple(loaded["task"]), tuple(loaded["workflow"]), secrets,
                         tuple(loaded["event_handler"])), findings


def _scalars(value: Any) -> Iterator[str]:
    """The texts a secret value can show up as: itself, or each scalar inside an object or
    list (a placeholder may stand for a whole object); never an empty text."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif value is not None and not isinstance(value, bool) and str(value):
        yield str(value)


def read_items(config_dir: Path, folder: str, values: Mapping[str, Any],
               findings: list[Finding], secret_keys: frozenset[str] = frozenset(),
               ) -> Iterator[tuple[Source, dict[str, Any], dict[tuple[str | int, ...], str]]]:
    """Every object of every file under ``config_dir/folder``, placeholders filled, with
    where it came from and where it holds the placeholders of ``secret_keys``; files
    that cannot be read or parsed become findings."""
    for file in folder_files(config_dir / folder):
        relative = file.relative_to(config_dir).as_posix()
        document, has_placeholders = _parse(file, relative, findings)
        if document is None:
            continue
        for index, item in _items(document, relative, findings):
            source = Source(relative, index)
            if not has_placeholders:
                yield source, item, {}
                continue
            yield (source, _substitute(item, values, source, (), findings),
                   dict(secret_placeholders(item, secret_keys, ())))


def folder_files(folder: Path) -> list[Path]:
    """The definition files under ``folder``, in a stable order; none when it is missing."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def _parse(file: Path, relative: str, findings: list[Finding]) -> tuple[Any, bool]:
    """The file's document (None when it cannot be read), and whether it holds ``@{``."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        findings.append(Finding(relative, "", f"cannot read file: {exc}", "syntax"))
        return None, False
    try:
        document = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
        if _nesting(document) <= MAX_NESTING:
            return document, "@{" in text
        message = f"nested deeper than {MAX_NESTING} levels of objects and lists"
    except RecursionError:  # the parsers descend recursively: far deeper than the limit
        message = f"nested deeper than {MAX_NESTING} levels of objects and lists"
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        message = f"invalid YAML{where}: {problem}"
    findings.append(Finding(relative, "", message, "syntax"))
    return None, False


def _nesting(document: Any) -> int:
    """How deeply objects and lists nest in ``document``, counted without recursion and
    only until it passes MAX_NESTING."""
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= MAX_NESTING:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else None)
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _items(document: Any, relative: str,
           findings: list[Finding]) -> Iterator[tuple[int | None, dict[str, Any]]]:
    if isinstance(document, dict):
        yield None, document
        return
    if isinstance(document, list):
        for index, item in enumerate(document):
            if isinstance(item, dict):
                yield index, item
            else:
                findings.append(Finding(relative, json_path(index), "expected a definition "
                                        f"(an object), got {_json_type(item)}", "type"))
        return
    findings.append(Finding(relative, "", "expected a definition (an object) or a list of them, "
                            f"got {_json_type(document)}", "type"))


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _load_environment(config_dir: Path, app_env: str,
                      findings: list[Finding]) -> tuple[Mapping[str, Any], frozenset[str]]:
    """Reads ``environments/<app_env>.yaml``: ``values`` (a value may be ``{env: VAR}``
    to read it from the process environment) and ``secret``, the keys never shown."""
    if not app_env:
        return {}, frozenset()
    file = config_dir / "environments" / f"{app_env}.yaml"
    if not file.is_file():
        return {}, frozenset()
    relative = file.relative_to(config_dir).as_posix()
    document, _ = _parse(file, relative, findings)
    if document is None:
        return {}, frozenset()
    if not isinstance(document, dict):
        findings.append(Finding(relative, "", "expected an object with 'values' and 'secret'",
                                "type"))
        return {}, frozenset()
    values: dict[str, Any] = {}
    given = document.get("values") or {}
    if not isinstance(given, dict):
        findings.append(Finding(relative, "values", "expected an object of NAME: value", "type"))
        given = {}
    for key, value in given.items():
        if isinstance(value, dict) and set(value) == {"env"}:
            if value["env"] not in os.environ:
                findings.append(Finding(relative, json_path("values", key, "env"),
                                        f"environment variable {value['env']} is not set",
                                        "placeholder"))
                continue
            value = os.environ[value["env"]]
        values[str(key)] = value
    secret = document.get("secret") or []
    if not isinstance(secret, list):
        findings.append(Finding(relative, "secret", "expected a list of value names", "type"))
        secret = []
    return values, frozenset(str(key) for key in secret)


def secret_placeholders(value: Any, secret_keys: frozenset[str], path: tuple[str | int, ...],
                        ) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each path of ``value`` whose text holds a placeholder of ``secret_keys``, with
    that text."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from secret_placeholders(v, secret_keys, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from secret_placeholders(v, secret_keys, (*path, i))
    elif isinstance(value, str) and any(
            not escaped and name in secret_keys
            for escaped, name in PLACEHOLDER.findall(value)):
        yield path, value


def _substitute(value: Any, values: Mapping[str, Any], source: Source,
                path: tuple[str | int, ...], findings: list[Finding]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, values, source, (*path, k), findings) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values, source, (*path, i), findings) for i, v in enumerate(value)]
    if not isinstance(value, str) or "@" not in value:
        return value
    whole = PLACEHOLDER.fullmatch(value)
    if whole and not whole.group(1) and whole.group(2) in values:
        return values[whole.group(2)]  # a lone placeholder keeps its value's type

    def replace(match: re.Match[str]) -> str:
        escaped, name = match.groups()
        if escaped:
            return "@{" + name + "}"
        if name not in values:
            findings.append(Finding(source.file, source.path(*path),
                                    f"unknown placeholder @{{{name}}}: define it under 'values' "
                                    "in environments/<APP_ENV>.yaml", "placeholder"))
            return match.group(0)
        return str(values[name])

    return PLACEHOLDER.sub(replace, value)
