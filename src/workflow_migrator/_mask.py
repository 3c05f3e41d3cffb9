"""What a secret value looks like in anything written: ``***``.

The reporter masks every byte it writes with ``masked``; a view that escapes (the
Markdown views) masks before it escapes, through the same function, so an escaped
secret can never slip past the mask.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any, overload

#: What a secret value, or whatever sits at a secret path, is shown as.
MASK = "***"


def secret_forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in what is written: as it is, and JSON-escaped
    (with and without non-ASCII escapes), as the plan's field values are shown."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}


def secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms = {form for secret in secrets if secret for form in secret_forms(secret)}
    if not forms:
        return None
    # Longest first, so a secret inside another secret never leaves part of the longer one.
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


@functools.lru_cache(maxsize=64)
def _cached_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    return secrets_pattern(secrets)


@overload
def masked(value: str, secrets: Iterable[str]) -> str: ...
@overload
def masked(value: Any, secrets: Iterable[str]) -> Any: ...
def masked(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` with every secret masked: in a string wherever it occurs, in the keys
    and values of a JSON-like value, and a number whose digits hold one becomes a masked
    string. The one masking function: the reporter masks all it writes through it."""
    pattern = _cached_pattern(secrets if isinstance(secrets, frozenset) else frozenset(secrets))
    return _masked(value, pattern) if pattern else value


def _masked(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(MASK, value)
    if isinstance(value, dict):
        return {pattern.sub(MASK, str(k)): _masked(v, pattern) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v, pattern) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = json.dumps(value)
        hidden = pattern.sub(MASK, text)
        return value if hidden == text else hidden
    return value
