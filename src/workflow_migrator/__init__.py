"""workflow-migrator: brings a Conductor server to exactly the definitions of a directory.

The data flows one way: load -> validate -> plan (desired vs. live) -> apply -> report.
Each step is importable on its own; the ``workflow-migrator`` command is a thin
shell over :mod:`workflow_migrator`'s commands.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from workflow_migrator._apply import ApplyResult, apply_plan
from workflow_migrator._client import ConductorClient, RequestRecord, RetryPolicy, root_url
from workflow_migrator._commands import deploy, load_valid, make_plan, plan, read_live
from workflow_migrator._compare import FieldChange, differences, normalise
from workflow_migrator._exceptions import (
    ConductorError,
    DefinitionError,
    MigratorError,
    ServerRejectedError,
    ServerUnavailableError,
    UnsafeChangeError,
)
from workflow_migrator._export import ExportResult, export
from workflow_migrator._findings import Finding
from workflow_migrator._loader import load_directory
from workflow_migrator._models import Definition, DefinitionSet, Source
from workflow_migrator._output import Reporter
from workflow_migrator._plan import Change, LiveState, Plan, PlanOptions, compute_plan
from workflow_migrator._render import plan_json, plan_text
from workflow_migrator._rules import ServerFacts
from workflow_migrator._schema import write_schemas
from workflow_migrator._settings import Settings
from workflow_migrator._validate import validate, validate_directory

try:
    __version__ = _metadata.version("workflow-migrator")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = [
    "apply_plan",
    "ApplyResult",
    "Change",
    "compute_plan",
    "ConductorClient",
    "ConductorError",
    "Definition",
    "DefinitionError",
    "DefinitionSet",
    "deploy",
    "differences",
    "export",
    "ExportResult",
    "FieldChange",
    "Finding",
    "LiveState",
    "load_directory",
    "load_valid",
    "make_plan",
    "MigratorError",
    "normalise",
    "Plan",
    "plan",
    "plan_json",
    "plan_text",
    "PlanOptions",
    "read_live",
    "Reporter",
    "RequestRecord",
    "RetryPolicy",
    "root_url",
    "ServerFacts",
    "ServerRejectedError",
    "ServerUnavailableError",
    "Settings",
    "Source",
    "UnsafeChangeError",
    "validate",
    "validate_directory",
    "write_schemas",
]
