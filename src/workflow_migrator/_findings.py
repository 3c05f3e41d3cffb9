"""A finding: one problem in one definition file, located down to the field."""

from __future__ import annotations

import dataclasses
from typing import Literal

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem, where it is, and which rule found it."""

    file: str
    path: str
    message: str
    rule: str
    severity: Severity = "error"

    @property
    def location(self) -> str:
        return f"{self.file}: {self.path}" if self.path else self.file

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def json_path(*parts: str | int) -> str:
    """Joins keys and indexes into ``tasks[3].decisionCases.approved[0]``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
