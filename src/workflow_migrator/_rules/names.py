"""Names the server can read back and delete, and that ``export`` can write as a file.

The server stores any name it is given, but reads, deletes and the running-workflow
lookup address a definition by its name in the URL path (``/api/metadata/taskdefs/NAME``,
``/api/metadata/workflow/NAME/VERSION``, ``/api/event/NAME``), and there some names
cannot be said. Measured on Conductor 3.15 and conductor-oss 3.32 for task definitions,
workflows and event handlers (tests/migrator/server/test_names.py), with the name
percent-encoded as the migrator sends it:

- ``/`` (even as ``%2F``), ``\\`` and the NUL character are refused with 400;
- ``.`` and ``..`` are path segments the server resolves away: it answers 404, or
  another endpoint's answer;
- every other character works (``%``, ``?``, ``#``, spaces, tabs and line breaks, other
  control characters, non-ASCII), and so do leading and trailing spaces;
- a request whose line and headers exceed about 8 KB is refused with 400 (a name of
  about 8,000 characters, percent-encoded): ``MAX_URL_NAME`` leaves room for the
  headers (a bearer token). The file name limit below rules such names out of a
  directory; a server may still hold one, written by another tool.

``export`` writes ``NAME.json`` and ``NAME.vVERSION.json`` (or ``.yaml``), each character
other than a letter, digit, ``.``, ``_`` or ``-`` as ``_`` followed by a 9-character hash
of the name, and a file name is at most 255 bytes on common file systems: with a
version of up to ten digits (a Java int), a name may take ``MAX_NAME_BYTES`` bytes of
UTF-8 (a byte limit bounds the characters too, however export spells them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

from workflow_migrator._findings import Finding
from workflow_migrator._rules.context import Context, finding

MAX_NAME_BYTES = 255 - len("-0123abcd.v2147483647.json")
#: Characters of a percent-encoded name in a URL the servers still read.
MAX_URL_NAME = 4000
#: Characters a name cannot hold, with how a message names them.
UNADDRESSABLE = {"/": "'/'", "\\": "'\\'", "\x00": "the NUL character"}
#: Whole names the server's URL handling resolves away.
DOT_SEGMENTS = frozenset({".", ".."})


def name_rules(context: Context) -> Iterator[Finding]:
    for definition in context.definitions:
        name = definition.body.get("name")
        if name is None or name == "":
            continue  # structure and event_handlers report a missing name
        if not isinstance(name, str):
            # The server would store the text of it ("false", "42"): a definition this
            # directory does not name, which every later plan would take for another one.
            yield finding(definition, ("name",), "the name must be a text (quote it): the "
                          f"server would store it as {json.dumps(name)!r}, a name this "
                          "directory does not hold", "name")
            continue
        problem = name_problem(name)
        if problem:
            yield finding(definition, ("name",), problem, "name")


def name_problem(name: str) -> str | None:
    """Why the server could not read back or delete a definition of this name, or export
    could not write it as a file; None when it can."""
    problem = unaddressable(name)
    if problem:
        return problem
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        return (f"the name is {size} bytes long (UTF-8); at most {MAX_NAME_BYTES} fit in an "
                "exported file's name (NAME-HASH.vVERSION.json, 255 bytes)")
    return None


def unaddressable(name: str) -> str | None:
    """Why the server cannot say this name in a URL path (whatever its length)."""
    bad = [label for char, label in UNADDRESSABLE.items() if char in name]
    if bad:
        return (f"the name contains {' and '.join(bad)}: the server stores it, but can then "
                "neither read nor delete it (it answers 400 to its URL)")
    if name in DOT_SEGMENTS:
        return (f"the name '{name}' is a path segment the server resolves away: it can be "
                "stored, but never read back or deleted")
    if len(name) * 3 > MAX_URL_NAME and len(quote(name, safe="")) > MAX_URL_NAME:
        return (f"the name is {len(name):,} characters long: too long for the URL that "
                "would read or delete it (the server answers 400)")
    return None
