"""Turns the text of a JSON or YAML file into exactly the JSON that will be sent.

What JSON cannot carry is refused here, before anything else sees the file, with
the JSON path of the value: YAML dates and timestamps, binary, sets and other tagged
values, NaN and infinities (in either format), texts that UTF-8 cannot encode (a lone
surrogate), and a key given twice in one object (in either format; JSON and YAML
libraries silently keep the last). A YAML key that is not a text becomes the text
JSON makes of it (``1:`` -> ``"1"``). A UTF-8 byte order mark is accepted. How a YAML
file is read is ``_parse_yaml``'s, loaded with PyYAML only when a directory has one.

Where each value stands in the file (line and column, 1-based, by JSON path) is
worked out only when asked for (``Positions``): loading a large directory pays
nothing for it.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import math
import re
from typing import Any

JSONPath = tuple[str | int, ...]
#: Problems with an object's keys, by the id of the dict: each a key ("" for the
#: object itself) and a message.
KeyProblems = dict[int, list[tuple[str, str]]]
#: Values one file may expand to through YAML aliases: a few aliases of aliases make
#: billions of values out of a few lines ("billion laughs").
MAX_VALUES = 1_000_000


class ParseError(Exception):
    """The text is not a JSON or YAML document; the message says where."""


@dataclasses.dataclass(frozen=True)
class Problem:
    """A value JSON cannot carry, at a JSON path of the document."""

    path: JSONPath
    message: str


@dataclasses.dataclass(frozen=True)
class _Refused:
    """Stands for a YAML value JSON cannot carry until the check names its path."""

    what: str


#: The deepest nesting of objects and lists a file may hold. Real definitions stay far
#: below it (a task in a loop in a switch in a fork is some 15 levels); the validation and
#: the comparison walk documents recursively and would exhaust Python's stack far deeper.
MAX_NESTING = 100
_TOO_DEEP = f"nested deeper than {MAX_NESTING} levels of objects and lists"


def parse(text: str, yaml_syntax: bool) -> tuple[Any, list[Problem]]:
    """The document of a file's text, and every value in it that is not JSON.

    :param text: the file's text (a leading byte order mark is dropped).
    :param yaml_syntax: parse as YAML; otherwise as JSON.
    :raises ParseError: the text is not a JSON (or YAML) document.
    """
    text = text.removeprefix("\ufeff")
    key_problems: KeyProblems = {}
    if yaml_syntax:
        from workflow_migrator._parse_yaml import load  # PyYAML: only for a YAML file

        document = load(text, key_problems)
    else:
        unusual: list[str] = []  # NaN or an infinity: numbers the check refuses
        try:
            document = json.loads(text, object_pairs_hook=functools.partial(
                _json_object, key_problems=key_problems), parse_constant=functools.partial(
                _constant, unusual=unusual), parse_float=functools.partial(
                _float, unusual=unusual))
        except json.JSONDecodeError as exc:
            raise ParseError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}") from exc
        except ValueError as exc:  # a number of more digits than Python converts
            raise ParseError(f"invalid JSON: {_first_clause(exc)}") from exc
        except RecursionError as exc:
            raise ParseError(_TOO_DEEP) from exc
        if not (unusual or key_problems) and _plainly_json(text):
            _check_depth(document, text, yaml_syntax)
            return document, []
    problems: list[Problem] = []
    try:
        # First: the check replaces a YAML value that holds itself, which has no depth.
        document = _Check(key_problems, problems).value(document, ())
    except RecursionError as exc:
        raise ParseError(_TOO_DEEP) from exc
    _check_depth(document, text, yaml_syntax)
    return document, problems


def _check_depth(document: Any, text: str, yaml_syntax: bool) -> None:
    """Raises when objects and lists nest deeper than MAX_NESTING. A JSON text holding
    fewer opening braces and brackets (in texts or not) cannot, and is not walked; YAML
    nests by indentation, and its aliases repeat what they name, so it always is."""
    if (yaml_syntax or text.count("{") + text.count("[") > MAX_NESTING) \
            and _nesting(document) > MAX_NESTING:
        raise ParseError(_TOO_DEEP)


def _nesting(document: Any) -> int:
    """How deeply objects and lists nest in ``document``, counted without recursion and
    only until it passes MAX_NESTING."""
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= MAX_NESTING:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else (
            value if isinstance(value, list) else None)
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


#: A ``\\u`` escape of a surrogate: the one way a JSON text spells a text UTF-8 cannot
#: encode (a lone one), as the file itself was read as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _plainly_json(text: str) -> bool:
    """Whether the check of a JSON document that parsed without a duplicate key, NaN or
    infinity can be skipped, for it would find nothing (it took half the time of loading
    a large directory): no surrogate escape, and fewer values than the limit (each takes
    a character at least)."""
    return len(text) < MAX_VALUES and not _SURROGATE_ESCAPE.search(text)


def _constant(name: str, unusual: list[str]) -> float:
    unusual.append(name)
    return float(name)


def _float(text: str, unusual: list[str]) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: what Python makes of a number too large
        unusual.append(text)
    return value


def _first_clause(exc: Exception) -> str:
    return str(exc).split(";")[0]


def _json_object(pairs: list[tuple[str, Any]], key_problems: KeyProblems) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        keys = [k for k, _ in pairs]
        key_problems[id(value)] = [(k, _twice(k, True)) for k in sorted(
            {k for k in keys if keys.count(k) > 1})]
    return value


def _twice(text: str, both_texts: bool) -> str:
    how = "" if both_texts else " (as JSON makes it a text)"
    return f"key '{text}' is given more than once in this object{how}"


class _Check:
    """Walks a parsed document: finite numbers, encodable texts, no duplicate or
    unconvertible keys (noted while parsing) and no cycles (a YAML alias inside itself)."""

    def __init__(self, key_problems: KeyProblems, problems: list[Problem]) -> None:
        self.key_problems = key_problems
        self.problems = problems
        self.count = 0
        self.open: set[int] = set()

    def value(self, value: Any, path: JSONPath) -> Any:
        self.count += 1
        if self.count == MAX_VALUES:
            self.problems.append(Problem(path, f"the file expands to more than {MAX_VALUES:,} "
                                         "values (YAML aliases of aliases?)"))
        if self.count >= MAX_VALUES:
            return None
        if isinstance(value, str):
            if not value.isascii():
                self._text(value, path)
            return value
        if value is None or isinstance(value, (bool, int)):
            return value
        if isinstance(value, float):
            if not math.isfinite(value):
                self.problems.append(Problem(path, f"{_number(value)}, which JSON cannot carry"))
                return None  # what follows may compute with the value: NaN breaks that
            return value
        if isinstance(value, (dict, list)):
            if id(value) in self.open:
                self.problems.append(Problem(path, "a value holding itself (a YAML alias "
                                             "inside its own anchor), which JSON cannot carry"))
                return None
            self.open.add(id(value))
            try:
                if isinstance(value, list):
                    return [self.value(item, (*path, i)) for i, item in enumerate(value)]
                return self._object(value, path)
            finally:
                self.open.discard(id(value))
        what = value.what if isinstance(value, _Refused) else (
            f"a {type(value).__name__}, which JSON cannot carry")
        self.problems.append(Problem(path, what))
        return None

    def _object(self, value: dict[str, Any], path: JSONPath) -> dict[str, Any]:
        for key, message in self.key_problems.get(id(value), ()):
            self.problems.append(Problem((*path, key) if key else path, message))
        return {key: self.value(item, (*path, key)) for key, item in value.items()}

    def _text(self, value: str, path: JSONPath) -> None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.problems.append(Problem(path, "a text holding a lone surrogate "
                                         "(\\ud800-\\udfff), which UTF-8 cannot encode"))


def _number(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{'-' if value < 0 else ''}infinity"


class Positions:
    """Where each value of a file stands: line and column (1-based) by JSON path,
    worked out from the text on the first question."""

    def __init__(self, text: str, yaml_syntax: bool) -> None:
        self._text = text.removeprefix("\ufeff")
        self._yaml = yaml_syntax

    def of(self, path: JSONPath) -> tuple[int, int] | None:
        """The line and column of the value at ``path``, or of the nearest value around
        it that the text states (a key left out, a value reached through a YAML alias);
        None for a file that does not parse."""
        for end in range(len(path), -1, -1):
            found = self.exactly(path[:end])
            if found:
                return found
        return None

    def exactly(self, path: JSONPath) -> tuple[int, int] | None:
        """The line and column of the value at ``path``; None when the text states none."""
        return self._table.get(path)

    @functools.cached_property
    def _table(self) -> dict[JSONPath, tuple[int, int]]:
        table: dict[JSONPath, tuple[int, int]] = {}
        try:
            if self._yaml:
                from workflow_migrator._parse_yaml import positions

                positions(self._text, table)
            else:
                _json_positions(self._text, table)
        except (ParseError, ValueError, RecursionError):
            pass  # a file that does not parse has no positions to give
        return table


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def _json_positions(text: str, table: dict[JSONPath, tuple[int, int]]) -> None:
    """Scans a JSON text (already known to parse) once, token by token."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def at(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    # Each open container: its path, whether it is an object, the next key or index.
    stack: list[list[Any]] = []
    path: JSONPath = ()
    expect_key = False
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in ",:":
            if token == "," and stack:
                frame = stack[-1]
                if frame[1]:
                    expect_key = True
                else:
                    frame[2] += 1
            continue
        if token in "}]":
            stack.pop()
            expect_key = False
            continue
        if expect_key:
            stack[-1][2] = json.loads(token)
            expect_key = False
            continue
        if stack:
            path = (*stack[-1][0], stack[-1][2])
        table[path] = at(match.start())
        if token in "{[":
            stack.append([path, token == "{", 0])
            expect_key = token == "{"
