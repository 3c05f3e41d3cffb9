"""Captures finished executions as workflow test cases (``workflow-migrator test capture``).

A case is built from what the server recorded: the workflow's input, every answer a
worker, an HTTP/KAFKA_PUBLISH task or a WAIT/HUMAN completion gave, in the order they
happened (a retry is a second outcome of the same task), sub-workflows followed, and
how the execution ended (status, output, path). Run again on the definitions that
produced it, the case passes; a change that alters what happens for that input fails
it at the first task where the path diverges.

Nothing secret reaches the file. A value of the environment's ``secret:`` list becomes
its ``@{NAME}`` placeholder (filled again from ``environments/<APP_ENV>.yaml`` when the
case runs, so it still passes), a key named with ``--redact`` gets ``REDACTED`` as its
value, and the case lists under ``redacted`` where either happened (never the value).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from workflow_migrator._exceptions import DefinitionError, MigratorError
from workflow_migrator._findings import Finding, json_path
from workflow_migrator._loader import _load_environment, _substitute, scalar_texts
from workflow_migrator._models import DefinitionSet, JSONObject, Source
from workflow_migrator._output import NULL_REPORTER, Reporter
from workflow_migrator._pipeline import load_valid
from workflow_migrator._task_types import engine_execution_types
from workflow_migrator._workflow_run import (
    TERMINAL,
    TEST_CORRELATION,
    Execution,
    execution_tree,
)
from workflow_migrator._workflow_tests import (
    _file_cases,
    find_workflow,
    mockable,
    task_types,
)

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

#: What a ``--redact`` key's value becomes.
REDACTED = "REDACTED"
#: How the server records a task's end -> what the mocked worker answers to repeat it
#: (a timed-out or optional failed task was, for the engine, a failed answer).
ANSWERS = {"COMPLETED": "COMPLETED", "FAILED": "FAILED",
           "FAILED_WITH_TERMINAL_ERROR": "FAILED_WITH_TERMINAL_ERROR",
           "COMPLETED_WITH_ERRORS": "FAILED", "TIMED_OUT": "FAILED"}


@dataclasses.dataclass(frozen=True)
class Capture:
    """What ``test capture`` produced: the test file's document and its cases' origin."""

    #: one object per workflow (``{workflow, cases}``), as a test file holds them
    document: list[JSONObject]
    execution_ids: tuple[str, ...]
    #: every place a value was replaced, ``case::path (why)``
    redacted: tuple[str, ...]


def capture_executions(config_dir: Path, client: ConductorClient, *,
                       execution_ids: Sequence[str] = (), search: str = "", limit: int = 10,
                       redact: Iterable[str] = (), app_env: str = "",
                       output_name: str = "tests/captured.yaml",
                       reporter: Reporter = NULL_REPORTER) -> Capture:
    """Turns finished executions into test cases of ``config_dir``'s workflows.

    :param config_dir: the directory whose definitions the cases run against.
    :param client: the server that ran the executions; nothing is written to it.
    :param execution_ids: the executions to capture.
    :param search: also capture what the server's search finds for this query.
    :param limit: at most this many executions found by ``search``.
    :param redact: keys whose values are replaced wherever they appear.
    :param app_env: the environment whose ``secret:`` values are replaced by placeholders.
    :param output_name: the file's name, relative to ``config_dir``, for the findings.
    :param reporter: learns the secret values to mask; progress is logged to it.
    :raises DefinitionError: a captured case would not load (nothing is written).
    :raises MigratorError: an execution is missing, still running, or of a workflow the
        directory does not define; or the search found nothing.
    """
    definitions, _ = load_valid(config_dir, app_env, reporter)
    ids = list(execution_ids)
    if search:
        # A workflow test's own runs (mocked workers) are not production's.
        page = client.search_workflows(search, size=limit, sort="startTime:DESC")
        found = [str(r["workflowId"]) for r in page.get("results") or []
                 if isinstance(r, dict) and "workflowId" in r
                 and not str(r.get("correlationId") or "").startswith(TEST_CORRELATION)]
        if not found:
            raise MigratorError(
                f"the server's search found no execution for {search!r}. A server without "
                "a search index (Conductor 3.15 with conductor.indexing.enabled=false, as "
                "the production core runs) finds none: capture with --execution ID")
        ids += [i for i in found if i not in ids]
    if not ids:
        raise MigratorError("nothing to capture: give --execution ID or --search QUERY")
    placeholders = _secret_placeholders(config_dir, app_env)
    redactor = _Redactor(placeholders, frozenset(redact))
    by_workflow: dict[str, JSONObject] = {}
    for execution_id in ids:
        root = client.get_workflow(execution_id)
        case, name, version = _case(client, definitions, root, execution_id)
        reporter.log(f"Captured execution {execution_id} of workflow {name}.",
                     event="captured", workflow_id=execution_id)
        file = by_workflow.setdefault(name, {"workflow": name, **(
            {"version": version} if version is not None else {}), "cases": []})
        file["cases"].append(redactor.case(case))
    document = list(by_workflow.values())
    _check(document, config_dir, app_env, definitions, output_name)
    return Capture(document, tuple(ids), tuple(redactor.where))


def _case(client: ConductorClient, definitions: DefinitionSet, root: JSONObject,
          execution_id: str) -> tuple[JSONObject, str, int | None]:
    status = root.get("status")
    if not root:
        raise MigratorError(f"execution {execution_id} not found")
    if status not in TERMINAL:
        raise MigratorError(f"execution {execution_id} is {status}: only a finished execution "
                            "can be captured")
    name = str(root.get("workflowName") or (root.get("workflowDefinition") or {}).get("name"))
    version = root.get("workflowVersion")
    workflow = find_workflow(definitions, name, None)
    if workflow is None:
        raise MigratorError(f"execution {execution_id} ran workflow {name}, which the "
                            "directory does not define")
    types = task_types(definitions, workflow)
    executions = list(execution_tree(client, root, {}))
    tasks: dict[str, list[JSONObject]] = {}
    for execution in executions:
        outcome = _outcome(execution, types)
        if outcome is not None:
            tasks.setdefault(execution.ref, []).append(outcome)
    case: JSONObject = {"name": f"execution {execution_id}", "input": root.get("input") or {}}
    if tasks:
        case["tasks"] = {ref: answers[0] if len(answers) == 1 else answers
                         for ref, answers in tasks.items()}
    case["expect"] = {"status": status, "output": root.get("output") or {},
                      "path": [e.ref for e in executions]}
    # The version is named only when the directory states that very one; an automatically
    # versioned workflow is the directory's newest, whatever number the server gave it.
    pinned = version if any(d.name == name and d.version == version
                            for d in definitions.workflows) else None
    return case, name, pinned


def _outcome(execution: Execution, types: dict[str, str]) -> JSONObject | None:
    """What the mocked worker answers to repeat this execution; None for a task the
    engine runs itself, and for one nobody answered (cancelled, skipped)."""
    task = execution.task
    task_type = types.get(execution.ref)
    if task_type is None:  # not in the directory's definition (e.g. a dynamic fork's)
        if str(task.get("taskType")) in engine_execution_types():
            return None
    elif not mockable(task_type):
        return None
    answer = ANSWERS.get(str(task.get("status")))
    if answer is None:
        return None
    outcome: JSONObject = {"status": answer}
    if task.get("outputData"):
        outcome["output"] = task["outputData"]
    if answer != "COMPLETED" and task.get("reasonForIncompletion"):
        outcome["reason"] = str(task["reasonForIncompletion"])
    return outcome


def _secret_placeholders(config_dir: Path, app_env: str) -> dict[str, Any]:
    """Each secret text of the environment -> what replaces it: its ``@{NAME}``
    placeholder when the secret is a whole value, else the redaction marker."""
    values, secret_keys = _load_environment(config_dir, app_env, [])
    replacements: dict[str, Any] = {}
    for key in secret_keys:
        value = values.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
            replacements[str(value)] = f"@{{{key}}}"
        elif isinstance(value, (dict, list)):
            for text in scalar_texts(value):
                replacements[text] = REDACTED
    return replacements


class _Redactor:
    """Replaces secrets and redacted keys in a case, and notes where."""

    def __init__(self, placeholders: dict[str, Any], keys: frozenset[str]) -> None:
        # Longest first: a secret inside another never leaves part of the longer one.
        self.secrets = sorted(placeholders.items(), key=lambda item: len(item[0]), reverse=True)
        self.keys = keys
        self.where: list[str] = []
        self._case_where: list[str] = []

    def case(self, case: JSONObject) -> JSONObject:
        self._case_where = []
        cleaned = self._value(case, ())
        if self._case_where:
            cleaned["redacted"] = list(self._case_where)
            self.where.extend(f"{case['name']}::{w}" for w in self._case_where)
        return dict(cleaned)

    def _value(self, value: Any, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            result = {}
            for key, item in value.items():
                key_text = self._text(str(key), path)
                if key in self.keys and item is not None:
                    result[key_text] = REDACTED
                    self._case_where.append(f"{json_path(*path, key_text)} (--redact {key})")
                else:
                    result[key_text] = self._value(item, (*path, key_text))
            return result
        if isinstance(value, list):
            return [self._value(item, (*path, i)) for i, item in enumerate(value)]
        if isinstance(value, str):
            return self._text(value, path)
        if value is not None and not isinstance(value, bool):
            for secret, replacement in self.secrets:
                if str(value) == secret:
                    self._case_where.append(f"{json_path(*path)} (secret)")
                    return replacement
        return value

    def _text(self, text: str, path: tuple[str | int, ...]) -> str:
        # A captured `@{` is literal text, not a placeholder: escape it as the loader reads it.
        result = text.replace("@{", "@@{")
        for secret, replacement in self.secrets:
            if secret in result:
                result = result.replace(secret, str(replacement))
                self._case_where.append(f"{json_path(*path) or '(a key)'} (secret)")
        return result


def _check(document: list[JSONObject], config_dir: Path, app_env: str,
           definitions: DefinitionSet, output_name: str) -> None:
    """Loads the captured cases as ``test`` will; raises DefinitionError if one is refused."""
    findings: list[Finding] = []
    values, _ = _load_environment(config_dir, app_env, findings)
    for index, body in enumerate(document):
        source = Source(output_name, index if len(document) > 1 else None)
        list(_file_cases(_substitute(body, values, source, (), findings), source, definitions,
                         findings))
    if any(f.severity == "error" for f in findings):
        raise DefinitionError(findings)


def capture_text(capture: Capture, suffix: str) -> str:
    """The test file's text: YAML (a header comment says where it came from) or JSON."""
    body: Any = capture.document[0] if len(capture.document) == 1 else capture.document
    if suffix == ".json":
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    header = ("# Captured by `workflow-migrator test capture` from execution(s) "
              f"{', '.join(capture.execution_ids)}.\n")
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
