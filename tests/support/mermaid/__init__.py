"""Checks Mermaid diagrams with the real Mermaid parser (the `mermaid` npm package in Node,
jsdom as its DOM), all of them in one Node process. `make setup` installs the packages
pinned in package-lock.json into node_modules/ here."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent


def parse_errors(diagrams: list[str]) -> list[str | None]:
    """For each diagram, None when Mermaid parses it, else the parser's message."""
    if not (HERE / "node_modules" / "mermaid").is_dir():
        raise FileNotFoundError(f"the mermaid npm package is not installed in {HERE}: "
                                "run `make setup`")
    node = shutil.which("node")
    if node is None:
        raise FileNotFoundError("node is not installed: run `make setup`")
    result = subprocess.run([node, str(HERE / "parse.mjs")], input=json.dumps(diagrams),
                            capture_output=True, text=True, check=True, timeout=300)
    return [None if r["ok"] else r["error"] for r in json.loads(result.stdout)]
