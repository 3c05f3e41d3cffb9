"""What a plan would do beyond the definitions it writes: its blast radius, as a value.

A ``Risk`` holds three facts read (or derived) before anything is written:

- the RUNNING and PAUSED executions of every workflow the plan changes, creates a
  version of, or prunes, per version (``Executions``);
- the breaking changes between the server's definitions and the directory's, each with
  a severity and the callers it affects (``Concern``);
- whether a worker polled, recently, each worker task a changed workflow uses (``Worker``).

It is plain data: ``_impact`` reads the server to fill it, ``_breaking`` derives the
concerns, the renderers show it. A plan without it was planned without impact analysis.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

Severity = Literal["breaking", "risky", "info"]
#: From the most to the least severe: ``--fail-on risky`` fails on breaking ones too.
SEVERITIES: tuple[Severity, ...] = ("breaking", "risky", "info")


@dataclasses.dataclass(frozen=True)
class Executions:
    """How many executions of one workflow version are RUNNING and PAUSED; ``version``
    is None for executions whose version the server did not say (see docs/blast-radius.md)."""

    workflow: str
    version: int | None
    running: int
    paused: int

    @property
    def total(self) -> int:
        return self.running + self.paused

    @property
    def label(self) -> str:
        version = "unknown version" if self.version is None else f"v{self.version}"
        return f"workflow {self.workflow} {version}"


@dataclasses.dataclass(frozen=True)
class Concern:
    """One breaking or risky change: which rule found it, in which planned change, and
    every definition (here or on the server) it affects."""

    rule: str
    severity: Severity
    address: str
    message: str
    callers: tuple[str, ...] = ()

    def at_least(self, severity: Severity) -> bool:
        return SEVERITIES.index(self.severity) <= SEVERITIES.index(severity)


@dataclasses.dataclass(frozen=True)
class Worker:
    """A worker task type a changed workflow uses, and when a worker last polled it."""

    task_type: str
    used_by: tuple[str, ...]
    #: seconds since the newest poll (any domain), as the server's clock says; None: never
    last_poll: float | None
    domains: tuple[str, ...] = ()
    ready: bool = False


@dataclasses.dataclass(frozen=True)
class Risk:
    """The blast radius of a plan."""

    executions: tuple[Executions, ...] = ()
    concerns: tuple[Concern, ...] = ()
    workers: tuple[Worker, ...] = ()
    worker_window: float = 600.0
    #: whether a worker task nobody polls is an error (``--require-workers``) or a warning
    require_workers: bool = False

    def failing(self, fail_on: Severity | None) -> list[str]:
        """Why ``plan`` must exit 1: concerns at ``fail_on`` or above, and, with
        ``require_workers``, every worker task nobody polled."""
        reasons = [f"{c.severity}: {c.address}: {c.message}" for c in self.concerns
                   if fail_on is not None and c.at_least(fail_on)]
        if self.require_workers:
            reasons.extend(f"no worker polls {w.task_type}" for w in self.workers if not w.ready)
        return reasons

    def running_on(self, workflow: str, version: int | None) -> int:
        """Executions of ``workflow`` on ``version`` (any version when None), the ones of
        unknown version included: they may be on it."""
        return sum(e.total for e in self.executions if e.workflow == workflow
                   and (version is None or e.version in (version, None)))

    def to_dict(self) -> dict[str, Any]:
        """The ``risk`` object of the plan document (docs/plan-format.md)."""
        return {
            "executions": [{"workflow": e.workflow, "version": e.version, "running": e.running,
                            "paused": e.paused} for e in self.executions],
            "concerns": [{"rule": c.rule, "severity": c.severity, "address": c.address,
                          "message": c.message, "callers": list(c.callers)}
                         for c in self.concerns],
            "workers": [{"task_type": w.task_type, "used_by": list(w.used_by),
                         "last_poll_seconds": None if w.last_poll is None else round(w.last_poll),
                         "domains": list(w.domains), "ready": w.ready} for w in self.workers],
            "worker_window_seconds": self.worker_window,
            "require_workers": self.require_workers,
        }

    def lines(self) -> list[str]:
        """The risk as text lines, for the text plan (the Markdown plan draws its own)."""
        lines: list[str] = []
        if self.executions:
            lines.append("In-flight executions of the workflows this plan touches:")
            lines.extend(f"  {e.label}: {e.running} running, {e.paused} paused"
                         for e in self.executions)
        if self.concerns:
            lines.append("Breaking changes:")
            for c in self.concerns:
                lines.append(f"  [{c.severity}] {c.address}: {c.message} [{c.rule}]")
                lines.extend(f"      affects {caller}" for caller in c.callers)
        for w in self.workers:
            if not w.ready:
                level = "Error" if self.require_workers else "Warning"
                lines.append(f"{level}: {worker_text(w, self.worker_window)}")
        return lines


def worker_text(worker: Worker, window: float) -> str:
    """Why a worker task is not ready, in one sentence."""
    users = ", ".join(worker.used_by)
    if worker.last_poll is None:
        when = "no worker has ever polled it"
    else:
        when = f"the last poll was {duration(worker.last_poll)} ago"
    return (f"task {worker.task_type} (used by {users}): no worker polled it in the last "
            f"{duration(window)}; {when}")


def duration(seconds: float) -> str:
    """``90`` -> ``1m30s``: how long, as a person reads it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "",
             f"{secs}s" if secs or not (hours or minutes) else ""]
    return "".join(parts)


def risk_section(risk: Risk) -> list[str]:
    """The Markdown plan's "Risk" section: executions, breaking changes, workers."""
    lines = ["#### Risk", ""]
    if risk.executions:
        lines += ["| In-flight executions | Running | Paused |", "|---|---:|---:|"]
        lines += [f"| `{e.label}` | {e.running} | {e.paused} |" for e in risk.executions]
    else:
        lines.append("No running or paused executions of the workflows this plan touches.")
    lines.append("")
    if risk.concerns:
        lines += ["| Severity | Change | Finding | Affects |", "|---|---|---|---|"]
        lines += [f"| **{c.severity}** | `{c.address}` | {_cell(c.message)} ({c.rule}) | "
                  f"{_cell(', '.join(c.callers)) or '-'} |" for c in risk.concerns]
    else:
        lines.append("No breaking changes found.")
    lines.append("")
    idle = [w for w in risk.workers if not w.ready]
    if risk.workers:
        lines.append(f"Workers: {len(risk.workers) - len(idle)} of {len(risk.workers)} worker "
                     f"task(s) polled in the last {duration(risk.worker_window)}.")
        level = "Error" if risk.require_workers else "Warning"
        lines += [f"- **{level}:** {_cell(worker_text(w, risk.worker_window))}" for w in idle]
        lines.append("")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
