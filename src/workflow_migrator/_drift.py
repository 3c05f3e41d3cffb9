"""Drift as numbers: what a plan would change, as Prometheus gauges (the view,
``_views.drift``), written to a file or pushed.

A drift check is ``plan --detailed-exitcode`` run on a schedule against the server: any
pending change means the server no longer holds exactly the configuration (someone
changed it by hand, or a deploy failed). The gauges go to a file for node-exporter's
textfile collector (written atomically, so the collector never reads half a file) or
to a Prometheus Pushgateway (PUT, which replaces the job's previous metrics).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

import httpx

from workflow_migrator._exceptions import MigratorError
from workflow_migrator._plan import Plan
from workflow_migrator._views.drift import drift_metrics

DEFAULT_JOB = "workflow_migrator_drift"


def write_metrics_file(path: Path, text: str) -> None:
    """Writes ``text`` to ``path`` atomically: a temporary file in the same directory,
    renamed over the old one, so a reader sees the old file or the new one, never part.

    :param path: the file, e.g. in node-exporter's ``--collector.textfile.directory``.
    :param text: the metrics.
    """
    directory = path.parent
    try:
        # node-exporter's textfile collector reads only *.prom: the temporary name is not
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.",
                                                 suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MigratorError(f"cannot write the metrics file {path}: {exc}") from exc


def push_metrics(url: str, text: str, *, job: str = DEFAULT_JOB, app_env: str = "",
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
    """Replaces the job's metrics on a Prometheus Pushgateway (``PUT /metrics/job/<job>``,
    grouped by ``/app_env/<APP_ENV>`` too when set, so environments sharing a Pushgateway
    keep their own numbers).

    :param url: the Pushgateway's root URL, e.g. ``http://pushgateway:9091``.
    :param text: the metrics.
    :param job: the ``job`` grouping key.
    :param app_env: the environment, a second grouping key when not empty.
    """
    target = f"{url.rstrip('/')}/metrics/job/{quote(job, safe='')}"
    if app_env:
        target += f"/app_env/{quote(app_env, safe='')}"
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.put(target, content=text.encode(),
                                  headers={"Content-Type": "text/plain; version=0.0.4"})
    except httpx.HTTPError as exc:
        raise MigratorError(f"PUT {target}: the Pushgateway did not answer ({exc})") from exc
    if response.status_code >= 400:
        raise MigratorError(f"PUT {target}: {response.status_code} {response.reason_phrase}: "
                             f"{response.text.strip()[:300]}")


def report_drift(plan: Plan, *, metrics_file: Path | None = None,
                 pushgateway_url: str | None = None, app_env: str = "",
                 now: float | None = None) -> str:
    """Writes the plan's gauges wherever asked; returns them.

    :param plan: the plan of the configuration against the server.
    :param metrics_file: a file to write them to, atomically.
    :param pushgateway_url: a Pushgateway to PUT them to.
    :param app_env: the environment, a label of every sample.
    :param now: the unix time of the check (defaults to the current time).
    """
    text = drift_metrics(plan, app_env=app_env, now=now)
    if metrics_file is not None:
        write_metrics_file(metrics_file, text)
    if pushgateway_url:
        push_metrics(pushgateway_url, text, app_env=app_env)
    return text
