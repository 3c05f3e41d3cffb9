"""What each answer of the Conductor server must look like, checked once, where the
client receives it, so that nothing past the client meets an answer of the wrong shape.

A ``Shape`` names what is expected in words (for the error) and checks a decoded JSON
value. A body that is not JSON at all is described by ``describe_body``: an HTML page by
its ``<title>``, anything else by its first words, never quoted whole (a proxy's error
page can be kilobytes long). ``error_message`` and ``validation_messages`` read an error
answer the same way.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable
from typing import Any

import httpx

from workflow_migrator._field_types import describe

#: How much of a body that is neither JSON nor HTML an error quotes.
QUOTE_LIMIT = 200
_WORD_END = re.compile(r"[\s\"',;{}\[\]()<>]")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


@dataclasses.dataclass(frozen=True)
class Shape:
    """An expected answer: ``expected`` in words, ``problem`` says what is wrong or ''."""

    expected: str
    problem: Callable[[Any], str]
    #: whether an empty body is an acceptable answer (it stands for "nothing")
    empty_ok: bool = False


def _object_with(fields: dict[str, type | tuple[type, ...]], required: tuple[str, ...] = (),
                 ) -> Callable[[Any], str]:
    """A check: an object whose ``fields`` have these types when present (booleans are
    never numbers), and whose ``required`` fields are present."""
    def problem(value: Any) -> str:
        if not isinstance(value, dict):
            return f"got {describe(value)}"
        for name in required:
            if value.get(name) is None:
                return f"'{name}' is missing or null"
        for name, kind in fields.items():
            item = value.get(name)
            if item is not None and (not isinstance(item, kind) or
                                     (isinstance(item, bool) and bool not in _types(kind))):
                return f"'{name}' is {describe(item)}"
        return ""
    return problem


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _list_of(item: Callable[[Any], str]) -> Callable[[Any], str]:
    def problem(value: Any) -> str:
        if not isinstance(value, list):
            return f"got {describe(value)}"
        for index, element in enumerate(value):
            wrong = item(element)
            if wrong:
                return f"item {index}: {wrong}"
        return ""
    return problem


def _string(value: Any) -> str:
    return "" if isinstance(value, str) else f"got {describe(value)}"


_NAMED = _object_with({"name": str}, required=("name",))
_WORKFLOW_DEF = _object_with({"name": str, "version": int, "tasks": list}, required=("name",))
_TASK = _object_with({"taskId": str, "workflowInstanceId": str, "status": str,
                      "taskType": str, "referenceTaskName": str})

# Both servers answer a listing with [] when they hold nothing: an empty body is not a
# listing, and taken for one it would make a prune delete everything the server holds.
TASK_DEFS = Shape("a list of task definitions (objects with a string 'name')",
                  _list_of(_NAMED))
WORKFLOW_DEFS = Shape("a list of workflow definitions (objects with a string 'name' and a "
                      "number 'version')", _list_of(_WORKFLOW_DEF))
WORKFLOW_DEF = Shape("a workflow definition (an object with a string 'name')", _WORKFLOW_DEF)
EVENT_HANDLERS = Shape("a list of event handlers (objects with a string 'name')",
                       _list_of(_NAMED))
WORKFLOW_IDS = Shape("a list of workflow ids (strings)", _list_of(_string))
BULK_RESULT = Shape("the bulk result (an object whose 'bulkErrorResults' is an object)",
                    _object_with({"bulkErrorResults": dict}), empty_ok=True)


def _execution(value: Any) -> str:
    wrong = _object_with({"status": str, "tasks": list})(value)
    tasks = "" if wrong else _list_of(_TASK)(value.get("tasks") or [])
    return wrong or (f"'tasks' {tasks}" if tasks else "")


EXECUTION = Shape("a workflow execution (an object whose 'tasks' is a list of tasks)",
                  _execution)
POLLED_TASK = Shape("a task (an object with a string 'taskId') or nothing", _TASK,
                    empty_ok=True)
SEARCH_RESULT = Shape("a search result (an object whose 'results' is a list)",
                      _object_with({"results": list, "totalHits": int}))
EXECUTION_SUMMARY = Shape("a workflow execution (an object with a string 'status')",
                          _object_with({"status": str, "version": int}))
POLL_DATA = Shape("a list of poll data (objects with a string 'queueName')",
                  _list_of(_object_with({"queueName": str, "lastPollTime": int})))


def describe_body(text: str, content_type: str = "") -> str:
    """A body that is not the JSON expected, in a few words: ``an empty body``, ``an HTML
    page titled '502 Bad Gateway'``, or the first words of the text."""
    stripped = text.strip()
    if not stripped:
        return "an empty body"
    if "html" in content_type.lower() or stripped[:1] == "<":
        title = _TITLE.search(stripped)
        if title:
            return f"an HTML page titled '{_one_line(html.unescape(title.group(1)))}'"
        return "an HTML page without a title"
    return f"'{quote(stripped)}'"


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` on one line, cut after ``limit`` characters, but never inside a word (a
    run of characters without a blank, quote, bracket or separator): a secret value
    quoted back must stay whole, so that the reporter can mask it."""
    line = _one_line(text)
    if len(line) <= limit:
        return line
    end = _WORD_END.search(line, limit)
    return line if end is None else line[:end.start()] + " ..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def validation_messages(response: httpx.Response) -> list[str]:
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    return [f"{e.get('path', '')}: {e.get('message', '')}".strip(": ")
            for e in body.get("validationErrors") or [] if isinstance(e, dict)]


def content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", ""))


def error_message(response: httpx.Response) -> str:
    """An error answer in one line: its ``message``, or a few words about the body (an
    HTML error page by its title), never the whole body."""
    try:
        body = response.json()
    except ValueError:
        if not response.text.strip():
            return response.reason_phrase or "an empty body"
        return describe_body(response.text, content_type(response))
    if isinstance(body, dict) and body.get("message"):
        return quote(str(body["message"]), limit=500)
    return quote(response.text)
