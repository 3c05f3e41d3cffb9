"""Reads the Prometheus text format the migrator writes and pushes."""

from __future__ import annotations


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text format -> {(name, labels): value}; comments skipped."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        pairs = frozenset(tuple(part.split("=", 1)) for part in labels.rstrip("}").split(",")
                          if part)
        samples[(name, frozenset((k, v.strip('"')) for k, v in pairs))] = float(value)
    return samples


def drift(samples: dict[tuple[str, frozenset[tuple[str, str]]], float],
          **labels: str) -> float:
    wanted = frozenset(labels.items())
    (value,) = [v for (name, ls), v in samples.items()
                if name == "workflow_migrator_drift_definitions" and wanted <= ls]
    return value
