"""Reads a config directory into a DefinitionSet.

Layout: ``DIR/tasks/**`` holds task definitions, ``DIR/workflows/**`` workflow
definitions and ``DIR/event-handlers/**`` event handlers, as ``.json``, ``.yaml``
or ``.yml`` files of one object or a list of them.
``DIR/workflow-migrator.yaml``, optional, holds the directory's settings (``_project``).
``DIR/environments/<APP_ENV>.yaml`` supplies the values of ``@{NAME}``
placeholders (``@@{`` writes a literal ``@{``); Conductor's own ``${...}``
expressions pass through untouched. ``DIR/tests/**`` holds workflow tests
(``_workflow_tests``). Every problem is collected as a Finding, so one run reports
all of them.

Nothing is skipped silently (``survey``): any other folder, anything that cannot
be read, a link to nothing, a stray file in a definition folder is an error, for
a definition skipped would look deleted to ``--prune``. Each file becomes exactly
the JSON that will be sent, or errors naming what JSON cannot carry (``_parse``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from workflow_migrator._fields import kinds
from workflow_migrator._findings import Finding, json_path
from workflow_migrator._grammar import PLACEHOLDER
from workflow_migrator._models import Definition, DefinitionSet, Kind, Source
from workflow_migrator._parse import ParseError, Positions, parse

#: The project file (``_project.py``): settings of the directory as a whole.
PROJECT_FILE = "workflow-migrator.yaml"
ENVIRONMENTS_FOLDER = "environments"
TESTS_FOLDER = "tests"


def definition_folders() -> dict[Kind, str]:
    """The folder of each kind of definition (the field table's ``KINDS``)."""
    return {info.kind: info.folder for info in kinds()}


def process_folders() -> tuple[str, ...]:
    """The folders a deploy reads: the definitions and the environments (what a release
    ships, what the deploy record's hash covers)."""
    return (*definition_folders().values(), ENVIRONMENTS_FOLDER)


def config_folders() -> tuple[str, ...]:
    """Every folder a config directory may hold; any other is an error (a misspelled
    ``task/`` would otherwise be skipped, and its definitions pruned)."""
    return (*process_folders(), TESTS_FOLDER)
SUFFIXES = (".json", ".yaml", ".yml")


def load_directory(config_dir: Path, app_env: str = "") -> tuple[DefinitionSet, list[Finding]]:
    """Loads every definition under ``config_dir``.

    :param config_dir: the directory holding ``tasks/``, ``workflows/``, ``event-handlers/``.
    :param app_env: the environment whose ``environments/<app_env>.yaml`` fills placeholders.
    :returns: the definitions that parsed, and every problem found on the way.
    """
    findings: list[Finding] = []
    if not config_dir.is_dir():
        return DefinitionSet(), [Finding(str(config_dir), "", "config directory not found", "load")]
    survey(config_dir, findings)
    values, secret_keys = _load_environment(config_dir, app_env, findings)
    folders = definition_folders()
    loaded: dict[Kind, list[Definition]] = {kind: [] for kind in folders}
    for kind, folder in folders.items():
        for source, body, secret_paths in read_items(config_dir, folder, values, findings,
                                                     secret_keys):
            loaded[kind].append(Definition(kind, body, source, secret_paths))
    if not any(loaded.values()) and not findings:
        named = [f"{folder}/" for folder in folders.values()]
        findings.append(Finding(str(config_dir), "", "no definitions found under "
                                f"{', '.join(named[:-1])} or {named[-1]}", "load", "warning"))
    secrets = frozenset(text for k in secret_keys if k in values
                        for text in scalar_texts(values[k]))
    return DefinitionSet.of_kinds(loaded, secrets), findings


def scalar_texts(value: Any) -> Iterator[str]:
    """Every scalar of a value as text, objects and lists walked: the texts a secret value
    can show up as (a placeholder may stand for a whole object), the texts an expression
    may sit in; never an empty text."""
    if isinstance(value, dict):
        for item in value.values():
            yield from scalar_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from scalar_texts(item)
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
        document, positions, has_placeholders = _parse(file, relative, findings)
        if document is None:
            continue
        for index, item in _items(document, relative, findings):
            source = Source(relative, index, positions)
            if not has_placeholders:
                yield source, item, {}
                continue
            yield (source, _substitute(item, values, source, (), findings),
                   dict(secret_placeholders(item, secret_keys, ())))


def folder_files(folder: Path) -> list[Path]:
    """The definition files under ``folder`` (through links), in a stable order; none
    when it is missing. What cannot be walked is ``survey``'s to report."""
    return sorted((p for p in _walk(folder, lambda path, problem: None)
                   if p.suffix in SUFFIXES), key=lambda p: p.parts)


def survey(config_dir: Path, findings: list[Finding]) -> None:
    """Reports, as errors, whatever under ``config_dir`` would otherwise be skipped: a
    folder other than ``config_folders()``, a folder that cannot be listed, a link to
    nothing, a file in a definition folder that is not JSON or YAML. Hidden entries
    (``.git``, ``.gitkeep``) are left alone."""
    def report(path: Path, problem: str) -> None:
        findings.append(Finding(path.relative_to(config_dir).as_posix(), "", problem, "load"))

    allowed, definitions = config_folders(), definition_folders().values()
    for entry in _entries(config_dir, report):
        if entry.is_symlink() and not entry.exists():
            report(entry, f"a link to {os.readlink(entry)}, which does not exist")
        elif entry.is_dir() and entry.name not in allowed:
            report(entry, _unknown_folder(entry.name))
        elif entry.name in allowed and not entry.is_dir():
            report(entry, f"expected a folder {entry.name}/, found a file")
    for folder in allowed:
        for file in _walk(config_dir / folder, report):
            if folder in definitions and file.suffix not in SUFFIXES:
                report(file, f"not a definition file: {folder}/ holds only "
                       f"{', '.join(SUFFIXES)} files (a file skipped here would be pruned)")


def _unknown_folder(name: str) -> str:
    import difflib  # only on this error: not every start pays for it

    allowed = config_folders()
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]}/? " if close else ""
    return (f"unknown folder {name}/: {hint}a config directory holds only "
            f"{', '.join(f'{f}/' for f in allowed)}; its files are not read")


def _entries(folder: Path, report: Callable[[Path, str], None]) -> list[Path]:
    return [folder / entry.name for entry in _scan(folder, report)]


def _scan(folder: Path, report: Callable[[Path, str], None]) -> list[os.DirEntry[str]]:
    """The entries of ``folder`` but hidden ones, by name. (``os.scandir``: each entry
    knows whether it is a file or a folder without a ``stat`` of its own, which made
    listing 1,300 files through ``Path`` three times slower.)"""
    try:
        with os.scandir(folder) as entries:
            return sorted((e for e in entries if not e.name.startswith(".")),
                          key=lambda e: e.name)
    except OSError as exc:
        report(folder, f"cannot read folder: {exc.strerror or exc}")
        return []


def _walk(folder: Path, report: Callable[[Path, str], None]) -> Iterator[Path]:
    """The files under ``folder``, links followed (once: a link back up is reported)."""
    if not folder.is_dir():
        return
    seen = {folder.resolve()}
    pending = [folder]
    while pending:
        current = pending.pop()
        for entry in _scan(current, report):
            path = current / entry.name
            if entry.is_dir():
                target = path.resolve()
                if target in seen:
                    report(path, "a link to a folder already read (a loop)")
                else:
                    seen.add(target)
                    pending.append(path)
            elif entry.is_file():
                yield path
            elif entry.is_symlink() and not path.exists():
                report(path, f"a link to {os.readlink(path)}, which does not exist")
            else:
                report(path, "not a regular file or folder")


def _parse(file: Path, relative: str,
           findings: list[Finding]) -> tuple[Any, Positions | None, bool]:
    """The file's document (None when it cannot be read or parsed), where its values
    stand, and whether it holds ``@{``."""
    try:
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        findings.append(Finding(relative, "", f"cannot read file: {exc}", "syntax"))
        return None, None, False
    yaml_syntax = file.suffix != ".json"
    try:
        document, problems = parse(text, yaml_syntax)
    except ParseError as exc:
        findings.append(Finding(relative, "", str(exc), "syntax"))
        return None, None, False
    findings.extend(Finding(relative, json_path(*p.path), p.message, "not-json")
                    for p in problems)
    return document, Positions(text, yaml_syntax), "@{" in text


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
    file = config_dir / ENVIRONMENTS_FOLDER / f"{app_env}.yaml"
    if not file.is_file():
        return {}, frozenset()
    relative = file.relative_to(config_dir).as_posix()
    document, _, _ = _parse(file, relative, findings)
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
