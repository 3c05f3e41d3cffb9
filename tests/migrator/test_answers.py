"""How the client describes an answer it cannot use: in a few words, on one line, never
the whole body, never a word cut in two."""

from __future__ import annotations

import pytest

from workflow_migrator._answers import TASK_DEFS, WORKFLOW_DEFS, describe_body, quote


@pytest.mark.parametrize(("body", "content_type", "described"), [
    ("", "application/json", "an empty body"),
    ("  \n", "", "an empty body"),
    ("<html><head><TITLE>502\n  Bad   Gateway</TITLE></head><body>x</body></html>", "text/html",
     "an HTML page titled '502 Bad Gateway'"),
    ("<html><body>no title</body></html>", "", "an HTML page without a title"),
    ("Service Unavailable", "text/plain", "'Service Unavailable'"),
])
def test_a_body_is_described_in_a_few_words(body: str, content_type: str,
                                            described: str) -> None:
    assert describe_body(body, content_type) == described


def test_a_long_quote_is_cut_between_words_only() -> None:
    secret = "tok" + "e" * 40
    for start in range(180, 205):
        text = "x" * start + " " + secret + " tail" * 100
        quoted = quote(text, limit=200)
        assert secret in quoted or secret[:3] not in quoted, quoted
        assert "\n" not in quoted and len(quoted) < 260


@pytest.mark.parametrize(("shape", "answer", "problem"), [
    (TASK_DEFS, {"name": "x"}, "got an object"),
    (TASK_DEFS, [{"name": "a"}, {"name": None}], "item 1: 'name' is missing or null"),
    (TASK_DEFS, [{"name": True}], "item 0: 'name' is a boolean"),
    (WORKFLOW_DEFS, [{"name": "a", "version": True}], "item 0: 'version' is a boolean"),
    (WORKFLOW_DEFS, [{"name": "a", "version": 2, "tasks": {}}], "item 0: 'tasks' is an object"),
])
def test_shapes_name_what_is_wrong(shape, answer, problem) -> None:  # type: ignore[no-untyped-def]
    assert shape.problem(answer) == problem
    assert shape.problem([]) == ""
