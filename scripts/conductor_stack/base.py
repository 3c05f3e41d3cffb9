"""What every job of the stack shares: its error, its log line and the repository's paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SERVER_CONFIG_DIR = REPO_ROOT / "docker" / "server" / "config"


class StackError(Exception):
    """A failure the user can act on; the message says what is missing.

    `log` names the log file whose tail explains it, when there is one.
    """

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


#: The name log lines start with; scripts/kube-stack, which shares the process handling,
#: sets its own.
PROGRAM = "conductor-stack"


def log(message: str) -> None:
    print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)


def default_state_dir() -> Path:
    env = os.environ.get("CONDUCTOR_STACK_DIR")
    return Path(env) if env else REPO_ROOT / ".stack"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "conductor-stack"


def tail_text(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def tail_file(path: Path, lines: int = 40) -> str:
    try:
        return tail_text(path.read_text(errors="replace"), lines)
    except OSError:
        return f"(no log at {path})"
