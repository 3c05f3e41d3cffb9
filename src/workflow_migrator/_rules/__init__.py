"""The validation rules, one module per concern.

- ``walk``: how workflow tasks nest, and which of them the server validates;
- ``structure``: required fields, JSON types, enums, minimums, the timeout rule;
- ``task_types``: the per-task-type constraints of Conductor's WorkflowTaskTypeConstraint;
- ``javascript``: the syntax check of SWITCH/DECISION script expressions;
- ``references``: unique taskReferenceNames and ``${ref...}`` input references;
- ``graph``: what spans files: duplicates, sub-workflows, cycles, undefined tasks,
  boot-sample names;
- ``unknown_keys``: keys the server would silently drop;
- ``event_handlers``: event handlers: their event, their actions, the workflows they start;
- ``versions``: automatically versioned workflows started without a version;
- ``names``: names the server can read back and delete, and export can write as a file.

What each key of each object is (JSON type, allowed values, minimum, which Conductor
versions know it, its default) is not written here: ``structure`` and ``unknown_keys``
read the one field table of ``_fields.py``, which the comparison and the JSON Schemas
read too. What differs between server generations (evaluators, the checks only one makes,
which column of the field table applies) is the target's (``_targets.py``), which every
rule finds in its ``Context``.

Every rule is a function ``(context) -> Iterator[Finding]``; ``RULES`` lists them in
the order they run, and ``RULE_IDS`` names every rule identifier a finding can carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from workflow_migrator._findings import Finding
from workflow_migrator._rules.context import Context, ServerFacts
from workflow_migrator._rules.event_handlers import event_handler_rules, started_workflow_rules
from workflow_migrator._rules.graph import graph_rules
from workflow_migrator._rules.names import name_rules
from workflow_migrator._rules.references import reference_rules
from workflow_migrator._rules.structure import structure_rules
from workflow_migrator._rules.task_types import task_type_rules
from workflow_migrator._rules.unknown_keys import unknown_key_rules
from workflow_migrator._rules.versions import version_pin_rules

Rule = Callable[[Context], Iterator[Finding]]

RULES: tuple[Rule, ...] = (
    structure_rules, task_type_rules, reference_rules, graph_rules, unknown_key_rules,
    event_handler_rules, started_workflow_rules, version_pin_rules, name_rules)
#: The rules whose verdict can change once the server's content is known.
SERVER_AWARE_RULES: tuple[Rule, ...] = (graph_rules, started_workflow_rules)

#: Every rule identifier, with what it checks. ``server`` marks the rules that mirror a
#: check the Conductor server itself makes on register (the rest are ours alone).
RULE_IDS: dict[str, tuple[str, bool]] = {
    "syntax": ("the file is not valid JSON or YAML", False),
    "load": ("something under the config directory cannot be read, or would be skipped: an "
             "unknown folder, a link to nothing, a file that is not JSON or YAML", False),
    "not-json": ("a value JSON cannot carry (a YAML date, NaN, binary, ...) or a key given "
                 "twice in one object", False),
    "placeholder": ("an @{NAME} placeholder has no value", False),
    "type": ("a value of the wrong JSON type, or not one of the allowed values", True),
    "required": ("a required field is missing or empty", True),
    "min-value": ("a number below the minimum the server accepts", True),
    "schema-version": ("schemaVersion other than 2", True),
    "name-chars": ("a workflow name containing ':'", True),
    "name": ("a name the server cannot read back or delete ('/', '\\', NUL, '.', '..'), or "
             "too long for an exported file's name", False),
    "owner-email": ("ownerEmail that is not an e-mail address", True),
    "timeout": ("responseTimeoutSeconds above timeoutSeconds (and the OSS totalTimeoutSeconds "
                "rule)", True),
    "task-type": ("a field a task type requires (SWITCH, HTTP, WAIT, TERMINATE, ...)", True),
    "expression": ("a SWITCH/DECISION script expression that is not valid JavaScript", True),
    "unique-ref": ("a taskReferenceName used twice in one workflow, nested tasks included", True),
    "input-reference": ("a ${ref...} input naming no task of the workflow", True),
    "input-expression": ("a ${...} input expression containing whitespace", True),
    "duplicate": ("two files define the same task, or the same workflow name and version", False),
    "sub-workflow-missing": ("a SUB_WORKFLOW naming a workflow defined neither here nor on the "
                             "server", False),
    "failure-workflow-missing": ("a failureWorkflow defined neither here nor on the server", False),
    "sub-workflow-cycle": ("workflows that start each other as sub-workflows in a cycle", False),
    "undefined-task": ("a SIMPLE task whose task definition is defined nowhere", False),
    "evaluator": ("a SWITCH or INLINE evaluatorType the target's Conductor cannot run", False),
    "unknown-type": ("a task type Conductor does not know (run as a worker task)", False),
    "join-on": ("a JOIN waiting for a taskReferenceName the workflow does not have", False),
    "unknown-key": ("a key the target's server does not know and silently drops", False),
    "boot-sample": ("a name a server with sample loading on overwrites at every start",
                    False),
    "server-disagreement": ("validate --server: the server's verdict differs from ours", False),
    "event-format": ("an event handler's event not in Conductor's type:queue form", False),
    "event-action": ("an event handler action without the object its type needs (the workflow "
                     "to start, the task to complete or fail)", False),
    "start-workflow-missing": ("an event handler starting a workflow defined neither here nor on "
                               "the server", False),
    "inactive-handler": ("an event handler without active: true, which ignores every event",
                         False),
    "project": ("workflow-migrator.yaml: an unknown key, an unknown rule or a setting it "
                "cannot take", False),
    "version-pin": ("a SUB_WORKFLOW, START_WORKFLOW or start_workflow action naming an "
                    "automatically versioned workflow without a version", False),
}

__all__ = ["RULES", "RULE_IDS", "SERVER_AWARE_RULES", "Context", "Rule", "ServerFacts"]
