"""The project file: ``workflow-migrator.yaml`` at the root of a config directory.

It holds the settings of the directory as a whole, each a key of its own::

    target: conductor-3.15      # the server generation the definitions are for
    rules:                      # each rule's severity: error, warning or off
      undefined-task: error     # a SIMPLE task without a task definition fails validate
      boot-sample: off          # this server image loads no samples

The file is optional; a missing one means the defaults, and this module (which loads
pydantic) is then not even imported. Its model (``Project``) is the one place its keys
are declared: an unknown key is refused naming the file and the key, and
``workflow-migrator schema`` writes its JSON Schema from the same model. How a setting
changes findings is ``apply_rule_settings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from workflow_migrator._findings import Finding, json_path
from workflow_migrator._loader import PROJECT_FILE
from workflow_migrator._rules import RULE_IDS
from workflow_migrator._targets import DEFAULT_TARGET, TargetName

RULE = "project"
RuleSetting = Literal["error", "warning", "off"]
#: Rules whose errors cannot be lowered: what was read is not what would be sent (a
#: file unread, a value JSON cannot carry, two definitions of one name, a name the server
#: cannot delete), or the server refuses the definition on register whatever the setting.
FIXED_RULES = frozenset({"syntax", "load", "not-json", "placeholder", "name", "duplicate",
                         RULE}) | frozenset(
    rule for rule, (_, server) in RULE_IDS.items() if server)


class Project(BaseModel):
    """Everything ``workflow-migrator.yaml`` may set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: TargetName = DEFAULT_TARGET.name
    """The generation of Conductor server the definitions are for: which evaluators,
    keys and register-time checks apply (``--target`` overrides it)."""

    rules: dict[str, RuleSetting] = {}
    """Each rule's severity (the rule identifiers of docs/validation.md)."""

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, rules: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        for rule, setting in rules.items():
            if rule not in RULE_IDS:
                raise ValueError(f"unknown rule '{rule}' (known: {', '.join(sorted(RULE_IDS))})")
            if rule in FIXED_RULES and setting != "error":
                raise ValueError(f"rule '{rule}' cannot be set to {setting}: what it finds "
                                 "cannot be deployed (or the server refuses it) whatever the "
                                 "setting")
        return rules


DEFAULT = Project()


def load_project(config_dir: Path) -> tuple[Project, list[Finding]]:
    """The directory's project settings, and every problem in its file (errors: a
    directory whose settings cannot be read is not validated with the defaults).

    :param config_dir: the directory that may hold ``workflow-migrator.yaml``.
    """
    file = config_dir / PROJECT_FILE
    if not file.is_file():
        return DEFAULT, []
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return DEFAULT, [Finding(PROJECT_FILE, "", f"cannot read the project file: {exc}",
                                 "syntax")]
    try:
        return Project.model_validate({} if document is None else document), []
    except ValidationError as exc:
        return DEFAULT, [Finding(PROJECT_FILE, json_path(*_location(error["loc"])),
                                 _message(error), RULE) for error in exc.errors()]


def _location(loc: Iterable[Any]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc
            if not str(part).startswith("function-after")]


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        known = ", ".join(sorted(Project.model_fields))
        return f"unknown key '{error['loc'][-1]}' (known: {known})"
    if error["type"] == "model_type":
        return "expected an object of settings"
    if error["type"] == "literal_error":
        choices = str(error["ctx"]["expected"]).replace("'", "")
        return f"expected {choices}, got {error['input']!r}"
    return str(error["msg"]).removeprefix("Value error, ")


def apply_rule_settings(findings: Iterable[Finding], project: Project) -> list[Finding]:
    """``findings`` with each rule's severity as the project sets it; ``off`` drops them."""
    result = []
    for finding in findings:
        setting = project.rules.get(finding.rule)
        if setting == "off":
            continue
        if setting is not None and setting != finding.severity:
            finding = Finding(finding.file, finding.path, finding.message, finding.rule,
                              setting)
        result.append(finding)
    return result


def project_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``workflow-migrator.yaml``."""
    schema = Project.model_json_schema()
    schema["properties"]["rules"]["propertyNames"] = {"enum": sorted(RULE_IDS)}
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://ol-workflow-orchestrator.invalid/schemas/project.schema.json",
            "title": "workflow-migrator.yaml",
            "description": "The settings of a config directory as a whole."}
