"""The grammars of text inside a config directory, each stated once: the migrator's own
``@{NAME}`` placeholders, Conductor's ``${...}`` expressions, an event handler's
``type:queue`` event, and the characters a file name written by ``export`` keeps.

The loader, the exporter, the rules, the breaking-change checks and the JSON Schemas
import them from here. It imports nothing from the package, and nothing heavy.
"""

from __future__ import annotations

import re

# ----------------------------------------------------------------- @{NAME} placeholders

#: A placeholder's name: a key of ``environments/<APP_ENV>.yaml``.
PLACEHOLDER_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
#: ``@{NAME}``, or the escape ``@@{NAME}`` that writes a literal ``@{NAME}``: group 1 is
#: the escape's second ``@`` (empty for a placeholder), group 2 the name.
PLACEHOLDER = re.compile(rf"@(@?)\{{({PLACEHOLDER_NAME})\}}")
#: The ``@`` that starts what the loader would read as a placeholder (``export`` doubles it).
PLACEHOLDER_START = re.compile(rf"@(?=\{{{PLACEHOLDER_NAME}\}})")
#: A value that is one placeholder and nothing else, as a JSON Schema pattern.
PLACEHOLDER_PATTERN = rf"^@\{{{PLACEHOLDER_NAME}\}}$"

# ------------------------------------------------------------ Conductor's ${...} expressions

EXPRESSION_START = "${"
#: Splits a value into literal text and ``${...}`` expressions; ``$${`` is an escape.
EXPRESSION_SPLIT = re.compile(r"(?=(?<!\$)\$\{)|(?<=\})")
#: A name inside an expression: a task reference, an input's key.
_WORD = r"[A-Za-z0-9_-]+"
#: ``${ref.`` : the task reference (or ``workflow``) an expression reads from.
EXPRESSION_HEAD = re.compile(rf"\$\{{({_WORD})\.")
#: ``${workflow.input.KEY``: the workflow input an expression reads.
WORKFLOW_INPUT = re.compile(rf"\$\{{workflow\.input\.({_WORD})")


def is_expression(text: str) -> bool:
    """The text holds a ``${...}`` expression: the server resolves it when the workflow
    runs, so its value is not known before."""
    return EXPRESSION_START in text


def names_an_input(failure_workflow: str) -> bool:
    """A ``failureWorkflow`` that starts with ``$`` (``$workflow.input.onFailure``) names
    no workflow: when the workflow fails, the server takes the failure workflow's name
    from the workflow input its third part names."""
    return failure_workflow.startswith("$")


def output_read(ref: str, key: str) -> re.Pattern[str]:
    """``${ref.output.key`` followed by the end of the expression, a ``.`` or a ``[``."""
    return re.compile(r"\$\{" + re.escape(ref) + r"\.output\." + re.escape(key) + r"[.\[}]")


# ------------------------------------------------------------------------ events

#: ``type:queue``, as Conductor's EventQueues resolves it: the type names a queue provider
#: (``conductor``, ``sqs``, ``amqp``, ``nats``, ``kafka``...), the rest the queue.
EVENT_FORM = r"[A-Za-z0-9_.-]+:\S+"
EVENT = re.compile(EVENT_FORM)

# ------------------------------------------------------------------------ names

#: The characters ``export`` keeps in a file name; any other becomes ``_`` (and a hash).
FILE_NAME_CHARS = "A-Za-z0-9._-"
UNSAFE_FILE_NAME_CHAR = re.compile(f"[^{FILE_NAME_CHARS}]")
