"""What every part of kube-stack shares: where things live. Its error, log line and log tails
are the Conductor stack's (scripts/conductor_stack/base.py), whose process handling it uses
too; its log lines carry its own name."""

from __future__ import annotations

import os
from pathlib import Path

from conductor_stack import base as conductor_base
from conductor_stack.base import REPO_ROOT, StackError, log, tail_file

__all__ = ["REPO_ROOT", "StackError", "default_state_dir", "log", "tail_file", "tools_dir"]

conductor_base.PROGRAM = "kube-stack"


def tools_dir() -> Path:
    """Where builds go: $KUBE_STACK_TOOLS, else .tools/ in the repository."""
    env = os.environ.get("KUBE_STACK_TOOLS")
    return Path(env) if env else REPO_ROOT / ".tools"


def default_state_dir() -> Path:
    env = os.environ.get("KUBE_STACK_DIR")
    return Path(env) if env else REPO_ROOT / ".kube-stack"
