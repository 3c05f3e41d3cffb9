"""What every job of the image build shares: its error, its log line, paths, running commands."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


class ImageError(Exception):
    """A failure the user can act on; the message says what went wrong and what to do."""


def log(message: str) -> None:
    print(f"migrator-image: {message}", file=sys.stderr, flush=True)


def tools_dir() -> Path:
    """Where the engine's storage and the cached base live: $MIGRATOR_IMAGE_TOOLS, else .tools/."""
    env = os.environ.get("MIGRATOR_IMAGE_TOOLS")
    return Path(env).resolve() if env else REPO_ROOT / ".tools"


def run(command: Sequence[str | Path], *, env: Mapping[str, str] | None = None,
        cwd: Path | None = None, quiet: bool = False) -> str:
    """Runs a command; its output goes to stderr unless `quiet` (then it is returned).

    A failure raises ImageError with the command's last lines, so the cause is on screen.
    """
    words = [str(word) for word in command]
    result = subprocess.run(
        words, env=None if env is None else dict(env), cwd=cwd, text=True,
        stdout=subprocess.PIPE if quiet else sys.stderr,
        stderr=subprocess.PIPE if quiet else None, check=False,
    )
    if result.returncode != 0:
        detail = "\n".join(((result.stdout or "") + (result.stderr or "")).splitlines()[-20:])
        raise ImageError(f"{words[0]} {' '.join(words[1:3])} ... failed "
                         f"(exit {result.returncode})" + (f":\n{detail}" if detail else ""))
    return result.stdout or ""
