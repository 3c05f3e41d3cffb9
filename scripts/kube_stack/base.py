"""What every part of kube-stack shares: its error, its log line and where things live."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from conductor_stack import base as conductor_base

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PROGRAM = "kube-stack"
# The process handling is the Conductor stack's: its log lines carry this name too.
conductor_base.PROGRAM = PROGRAM


class StackError(Exception):
    """A failure the user can act on; the message says what is missing.

    `log` names the log file whose tail explains it, when there is one.
    """

    def __init__(self, message: str, log: Path | None = None) -> None:
        super().__init__(message)
        self.log = log


def log(message: str) -> None:
    print(f"{PROGRAM}: {message}", file=sys.stderr, flush=True)


def tools_dir() -> Path:
    """Where builds go: $KUBE_STACK_TOOLS, else .tools/ in the repository."""
    env = os.environ.get("KUBE_STACK_TOOLS")
    return Path(env) if env else REPO_ROOT / ".tools"


def default_state_dir() -> Path:
    env = os.environ.get("KUBE_STACK_DIR")
    return Path(env) if env else REPO_ROOT / ".kube-stack"


def tail_file(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
