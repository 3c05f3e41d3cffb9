"""What a command returns: the value it produced and the exit code it means, with every
exit code described once (``EXIT_CODES``, shown in every command's help)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Every exit code and what it means: the one place they are described.
EXIT_CODES = {
    EXIT_OK: "success (plan --detailed-exitcode: no changes)",
    EXIT_ERROR: "error: invalid definitions, a refused change, a server failure, a failed "
                "test; plan --fail-on/--require-workers: the gate failed (before 2)",
    EXIT_CHANGES: "plan/status/diff --detailed-exitcode: changes pending (the server has "
                  "drifted, the two sides differ); upgrade-check: definitions behave "
                  "differently after the upgrade",
    EXIT_BUG: "unexpected internal error (a bug: please report it)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, or SIGTERM when Kubernetes stops the Job)",
}


class CommandResult(Generic[T]):
    """A command's outcome: ``value`` (a plan, findings, a status, ...) and its exit code.

    A plain class, not a dataclass: ``--help`` loads this module, and making a dataclass
    costs more than a millisecond of the start-up."""

    __slots__ = ("exit_code", "value")

    def __init__(self, value: T, exit_code: int = EXIT_OK) -> None:
        self.value = value
        self.exit_code = exit_code

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, CommandResult) and (self.value, self.exit_code) == (
            other.value, other.exit_code)

    def __hash__(self) -> int:
        return hash(self.exit_code)

    def __repr__(self) -> str:
        return f"CommandResult({self.value!r}, exit_code={self.exit_code})"
