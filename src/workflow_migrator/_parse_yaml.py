"""How ``_parse`` reads a YAML file: PyYAML's safe loader, keeping what JSON cannot carry
as ``_Refused`` and noting the problems of a mapping's keys, and where each value stands.

A module of its own so that PyYAML (some 15 ms to import) loads only when a directory
holds a YAML file: a directory of JSON files never needs it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import yaml

from workflow_migrator._parse import (
    _TOO_DEEP,
    JSONPath,
    KeyProblems,
    ParseError,
    _first_clause,
    _Refused,
    _twice,
)

_YAML_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"


def load(text: str, key_problems: KeyProblems) -> Any:
    """The document of a YAML text (without its byte order mark), the problems of its
    mappings' keys noted in ``key_problems``.

    :raises ParseError: the text is not a YAML document.
    """
    loader = _Loader(text)
    loader.key_problems = key_problems
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):  # libyaml's own limit, far deeper than ours
            raise ParseError(_TOO_DEEP) from exc
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParseError(f"invalid YAML{where}: {problem}") from exc
    except ValueError as exc:  # a number of more digits than Python converts
        raise ParseError(f"invalid YAML: {_first_clause(exc)}") from exc
    except RecursionError as exc:  # the parser descends recursively
        raise ParseError(_TOO_DEEP) from exc
    finally:
        loader.dispose()


def positions(text: str, table: dict[JSONPath, tuple[int, int]]) -> None:
    """Fills ``table`` with the line and column of each value the text states.

    :raises ParseError: the text is not a YAML document.
    """
    try:
        node = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise ParseError(str(exc)) from exc
    if node is not None:
        _yaml_positions(node, (), table, set())


class _Loader(_YAML_LOADER):  # type: ignore[misc, valid-type, unused-ignore]
    """PyYAML's safe loader that keeps what JSON cannot carry as ``_Refused`` and notes
    the problems of a mapping's keys (``key_problems``: by the id of the dict, each a key,
    or "" for the object, and a message)."""

    key_problems: KeyProblems


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[dict[str, Any]]:
    """A mapping with the keys JSON makes of its keys: built here, not by PyYAML, for
    Python's dict takes ``1`` and ``true`` for one key."""
    data: dict[str, Any] = {}
    yield data  # first, so that an alias inside the mapping can refer to it
    explicit = {id(key) for key, _ in node.value if key.tag != _TAG + "merge"}
    loader.flatten_mapping(node)  # '<<' merged keys come first; a key stated may override
    stated: dict[str, bool] = {}  # each key stated, and whether it was a text
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        text = _json_key(key)
        if text is None:
            what = key.what if isinstance(key, _Refused) else f"a {type(key).__name__}"
            loader.key_problems.setdefault(id(data), []).append(
                ("", f"an object key that is {what}"))
            continue
        if id(key_node) in explicit:
            if text in stated:
                texts = stated[text] and isinstance(key, str)
                loader.key_problems.setdefault(id(data), []).append((text, _twice(text, texts)))
            stated[text] = isinstance(key, str)
        data[text] = loader.construct_object(value_node)


def _json_key(key: Any) -> str | None:
    """The text JSON makes of a mapping key (json.dumps's rule), None if it makes none."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float) and math.isfinite(key):
        return repr(key)
    return None


def _refuse(what: str) -> Any:
    return lambda loader, node: _Refused(what)


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> _Refused:
    # The value itself stays out of the message: it may be a secret's.
    return _Refused("a YAML date or timestamp, which JSON cannot carry: put it in quotes to "
                    "send it as a text (since: '2024-01-01', not since: 2024-01-01)")


def _tagged(loader: _Loader, node: yaml.Node) -> _Refused:
    return _Refused(f"a value tagged {node.tag}, which JSON cannot carry")


_Loader.add_constructor(_TAG + "map", _construct_map)
_Loader.add_constructor(_TAG + "timestamp", _timestamp)
_Loader.add_constructor(_TAG + "binary", _refuse(
    "binary data (!!binary), which JSON cannot carry: give it as a base64 text"))
_Loader.add_constructor(_TAG + "set", _refuse(
    "a set (!!set), which JSON cannot carry: give a list"))
for _ordered in ("omap", "pairs"):
    _Loader.add_constructor(_TAG + _ordered, _refuse(
        f"!!{_ordered}, which JSON cannot carry: give an object or a list"))
_Loader.add_constructor(None, _tagged)


def _yaml_positions(node: yaml.Node, path: JSONPath, table: dict[JSONPath, tuple[int, int]],
                    seen: set[int]) -> None:
    """Each node once: the values an alias repeats stand where its anchor does, so
    they are left to ``Positions.of``'s nearest enclosing value (and aliases of
    aliases cannot make the walk exponential)."""
    table.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_positions(item, (*path, index), table, seen)
    elif isinstance(node, yaml.MappingNode):
        for key_node, item in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _TAG + "merge":
                _yaml_positions(item, (*path, key_node.value), table, seen)
