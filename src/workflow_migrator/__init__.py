"""workflow-migrator: brings a Conductor server to exactly the definitions of a directory.

The data flows one way: load -> validate -> plan (desired vs. live) -> apply -> report.
Each step is importable on its own; the ``workflow-migrator`` command is a thin
shell over :mod:`workflow_migrator`'s commands.

Public names are imported on first use: a command loads only the modules it needs
(the HTTP client, the settings, the terminal renderer each cost tens of milliseconds),
so ``workflow-migrator --help`` or an offline ``validate`` starts quickly.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

# httpx's package imports its optional command-line client when it can, and with rich
# installed that takes 35 ms of every command that talks to a server; this package never
# runs it. Said here, before any module of the package imports httpx; a program that
# imported httpx before keeps its module as it was.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from workflow_migrator._apply import ApplyResult, apply_plan
    from workflow_migrator._client import ConductorClient, RequestRecord, RetryPolicy, root_url
    from workflow_migrator._compare import FieldChange, differences, normalise
    from workflow_migrator._exceptions import (
        ConductorError,
        DefinitionError,
        InvalidURLError,
        MigratorError,
        ServerRejectedError,
        ServerUnavailableError,
        UnexpectedAnswerError,
        UnsafeChangeError,
        WritesFailedError,
    )
    from workflow_migrator._export import ExportResult, export
    from workflow_migrator._findings import Finding
    from workflow_migrator._loader import load_directory
    from workflow_migrator._models import Definition, DefinitionSet, Source
    from workflow_migrator._output import Reporter
    from workflow_migrator._pipeline import (
        deploy,
        load_valid,
        make_plan,
        plan,
        read_live,
        status,
        validate_directory,
        validate_with_server,
    )
    from workflow_migrator._plan import Change, LiveState, Plan, PlanOptions, compute_plan
    from workflow_migrator._record import DeployRecord, Status
    from workflow_migrator._rules import ServerFacts
    from workflow_migrator._schema import write_schemas
    from workflow_migrator._settings import Settings
    from workflow_migrator._validate import validate
    from workflow_migrator._views.plan import plan_json, plan_text
    from workflow_migrator._views.plan_markdown import plan_markdown
    from workflow_migrator._workflow_run import CaseResult, Mismatch, run_workflow_tests
    from workflow_migrator._workflow_tests import Outcome, WorkflowCase, load_cases

#: Where each public name lives: module -> names.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "_apply": ("apply_plan", "ApplyResult"),
    "_client": ("ConductorClient", "RequestRecord", "RetryPolicy", "root_url"),
    "_compare": ("differences", "FieldChange", "normalise"),
    "_exceptions": (
        "ConductorError", "DefinitionError", "InvalidURLError", "MigratorError",
        "ServerRejectedError", "ServerUnavailableError", "UnexpectedAnswerError",
        "UnsafeChangeError", "WritesFailedError",
    ),
    "_export": ("export", "ExportResult"),
    "_findings": ("Finding",),
    "_loader": ("load_directory",),
    "_models": ("Definition", "DefinitionSet", "Source"),
    "_output": ("Reporter",),
    "_pipeline": (
        "deploy", "load_valid", "make_plan", "plan", "read_live", "status", "validate_directory",
        "validate_with_server",
    ),
    "_plan": ("Change", "compute_plan", "LiveState", "Plan", "PlanOptions"),
    "_record": ("DeployRecord", "Status"),
    "_rules": ("ServerFacts",),
    "_schema": ("write_schemas",),
    "_settings": ("Settings",),
    "_validate": ("validate",),
    "_views.plan": ("plan_json", "plan_text"),
    "_views.plan_markdown": ("plan_markdown",),
    "_workflow_run": ("CaseResult", "Mismatch", "run_workflow_tests"),
    "_workflow_tests": ("load_cases", "Outcome", "WorkflowCase"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from workflow_migrator._record import tool_version

        return tool_version()
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'workflow_migrator' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"workflow_migrator.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


__all__ = [
    "apply_plan",
    "ApplyResult",
    "CaseResult",
    "Change",
    "compute_plan",
    "ConductorClient",
    "ConductorError",
    "Definition",
    "DefinitionError",
    "DefinitionSet",
    "deploy",
    "DeployRecord",
    "differences",
    "export",
    "ExportResult",
    "FieldChange",
    "Finding",
    "InvalidURLError",
    "LiveState",
    "load_cases",
    "load_directory",
    "load_valid",
    "make_plan",
    "MigratorError",
    "Mismatch",
    "normalise",
    "Outcome",
    "Plan",
    "plan",
    "plan_json",
    "plan_markdown",
    "plan_text",
    "PlanOptions",
    "read_live",
    "Reporter",
    "RequestRecord",
    "RetryPolicy",
    "root_url",
    "run_workflow_tests",
    "ServerFacts",
    "ServerRejectedError",
    "ServerUnavailableError",
    "Settings",
    "Source",
    "status",
    "Status",
    "UnexpectedAnswerError",
    "UnsafeChangeError",
    "validate",
    "validate_directory",
    "validate_with_server",
    "WorkflowCase",
    "write_schemas",
    "WritesFailedError",
]
