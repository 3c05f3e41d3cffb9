"""Findings as SARIF 2.1.0 (``validate --format sarif``), for code scanning: GitHub
shows each finding on the line of the pull request it is about.

The log has one run: the rule catalogue (every rule of ``RULE_IDS``, with its
description and, given the documentation's URL, a link to its row in
docs/validation.md) and one result per finding, located at its file, line and column.
Line and column come from where the loader found the value at the finding's JSON
path (``Source.position``); a path that names a missing key points at the object that
lacks it, and a file that did not parse at the line and column its parser named.
Pure: findings in, a JSON document out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from workflow_migrator._findings import Finding
from workflow_migrator._models import Definition
from workflow_migrator._parse import Positions
from workflow_migrator._rules import RULE_IDS

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "workflow-migrator"
#: Each path step: ``.key``, a leading ``key``, or ``[index]``.
_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")
#: Where a parser's message says the syntax error is.
_SYNTAX_AT = re.compile(r"line (\d+), column (\d+)")

Position = tuple[int, int]


def rule_anchor(rule: str) -> str:
    """The anchor of the rule's row in docs/validation.md."""
    return f"rule-{rule}"


def findings_sarif(findings: Sequence[Finding], *, config_dir: Path,
                   definitions: Iterable[Definition] = (), docs_url: str = "",
                   tool_version: str = "", strict: bool = False) -> dict[str, Any]:
    """The SARIF log of ``findings``.

    :param findings: what validate found.
    :param config_dir: the directory validated, as given: the results' file URIs are
        this path joined with each finding's file (relative to the working directory,
        so a run from a repository's root names its files as the repository does).
    :param definitions: the loaded definitions, whose sources know where each value of
        their files stands; other files (a project file, a test file) are read again.
    :param docs_url: the URL of docs/validation.md; each rule then links to its row.
    :param tool_version: the migrator's version, for the log.
    :param strict: ``--strict``: warnings are reported as errors, as they fail the run.
    """
    catalogue = sorted(RULE_IDS)
    index = {rule: i for i, rule in enumerate(catalogue)}
    locate = _Locator(config_dir, definitions)
    results = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": "error" if strict or finding.severity == "error" else "warning",
            "message": {"text": finding.message},
            "locations": [_location(finding, config_dir, locate(finding))],
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        results.append(result)
    driver: dict[str, Any] = {"name": TOOL, "rules": [_rule(r, docs_url) for r in catalogue]}
    if tool_version:
        driver["version"] = tool_version
    if docs_url:
        driver["informationUri"] = docs_url
    return {"$schema": SCHEMA_URI, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                      "results": results}]}


def _rule(rule: str, docs_url: str) -> dict[str, Any]:
    description, server = RULE_IDS[rule]
    text = description[0].upper() + description[1:] + "."
    note = " The Conductor server makes the same check on register." if server else ""
    entry: dict[str, Any] = {
        "id": rule, "name": "".join(part.capitalize() for part in rule.split("-")),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text + note},
        "help": {"text": f"{text}{note} See docs/validation.md, rule {rule}."},
    }
    if docs_url:
        entry["helpUri"] = f"{docs_url}#{rule_anchor(rule)}"
    return entry


def _location(finding: Finding, config_dir: Path, position: Position | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(config_dir, finding.file)}}
    if position is not None:
        physical["region"] = {"startLine": position[0], "startColumn": position[1]}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.path,
                                         "kind": "member"}]
    return location


def _uri(config_dir: Path, file: str) -> str:
    path = config_dir / file
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return PurePosixPath(*path.parts).as_posix()


class _Locator:
    """Line and column of a finding, from the positions the loader kept per file (a
    file no definition came from is read again, once)."""

    def __init__(self, config_dir: Path, definitions: Iterable[Definition]) -> None:
        self.config_dir = config_dir
        self.positions: dict[str, Positions | None] = {
            d.source.file: d.source.positions for d in definitions if d.source.positions}

    def __call__(self, finding: Finding) -> Position | None:
        found = _SYNTAX_AT.search(finding.message) if finding.rule == "syntax" else None
        if found:
            return int(found.group(1)), int(found.group(2))
        positions = self._positions(finding.file)
        if positions is None:
            return None
        return _nearest(positions.exactly, _steps(finding.path))

    def _positions(self, file: str) -> Positions | None:
        if file not in self.positions:
            try:
                text = (self.config_dir / file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self.positions[file] = None
            else:
                self.positions[file] = Positions(text, not file.endswith(".json"))
        return self.positions[file]


def _steps(path: str) -> tuple[str | int, ...]:
    return tuple(int(m.group(1)) if m.group(1) is not None else m.group(2)
                 for m in _STEP.finditer(path))


def _nearest(of: Callable[[tuple[str | int, ...]], Position | None],
             steps: tuple[str | int, ...]) -> Position | None:
    """The position of the value at ``steps``, else of the deepest enclosing value found
    (a missing key is reported where its object starts). The path's text splits a key
    holding a dot (a SWITCH case ``v1.2``) in parts: the parts are joined again when the
    key alone is not there."""
    found: tuple[str | int, ...] = ()
    best, index = of(()), 0
    while index < len(steps):
        for end in range(index + 1, len(steps) + 1):
            part = steps[index:end]
            if end > index + 1 and not all(isinstance(p, str) for p in part):
                return best
            key = part[0] if len(part) == 1 else ".".join(str(p) for p in part)
            position = of((*found, key))
            if position is not None:
                found, best, index = (*found, key), position, end
                break
        else:
            return best
    return best
