"""Watching a namespace while Helm acts on it: which Jobs appeared (hook Jobs are deleted
once they succeed, so they are caught while they exist), when each Deployment first had all
its replicas available, and how many pods of a Deployment were available at each moment.

A thread polls the API every `interval` seconds; its samples are for assertions and printed
figures, never for timing asserts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

from tests.support.kube import Api, ready, selector_query


@dataclasses.dataclass
class Watch:
    """What the poller saw. Times are time.monotonic()."""

    #: uid -> the Job as the API server stored it, first seen.
    jobs: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    job_seen: dict[str, float] = dataclasses.field(default_factory=dict)
    #: Deployment name -> when all its replicas were first available.
    deployment_available: dict[str, float] = dataclasses.field(default_factory=dict)
    #: (time, available pods of the tracked Deployment, all its pods not terminating).
    samples: list[tuple[float, int, int]] = dataclasses.field(default_factory=list)
    #: pod-template-hash values of the tracked Deployment's pods seen.
    revisions: set[str] = dataclasses.field(default_factory=set)
    errors: list[str] = dataclasses.field(default_factory=list)

    def jobs_named(self, part: str) -> list[dict[str, Any]]:
        return [job for job in self.jobs.values() if part in job["metadata"]["name"]]

    @property
    def available_min(self) -> int:
        return min(available for _, available, _ in self.samples)

    @property
    def available_peak(self) -> int:
        return max(available for _, available, _ in self.samples)

    @property
    def pods_peak(self) -> int:
        return max(pods for _, _, pods in self.samples)


def _poll(api: Api, namespace: str, track: dict[str, str] | None, watch: Watch) -> None:
    now = time.monotonic()
    for job in api.items(f"/apis/batch/v1/namespaces/{namespace}/jobs"):
        uid = job["metadata"]["uid"]
        if uid not in watch.jobs:
            watch.jobs[uid], watch.job_seen[uid] = job, now
    for deployment in api.items(f"/apis/apps/v1/namespaces/{namespace}/deployments"):
        name, status = deployment["metadata"]["name"], deployment.get("status", {})
        if (status.get("availableReplicas", 0) >= deployment["spec"]["replicas"]
                and name not in watch.deployment_available):
            watch.deployment_available[name] = now
    if track is not None:
        pods = api.items(f"/api/v1/namespaces/{namespace}/pods?labelSelector="
                         f"{selector_query(track)}")
        live = [pod for pod in pods if "deletionTimestamp" not in pod["metadata"]]
        watch.samples.append((now, sum(ready(pod) for pod in pods), len(live)))
        watch.revisions.update(pod["metadata"]["labels"].get("pod-template-hash", "")
                               for pod in pods)


@contextlib.contextmanager
def watching(api: Api, namespace: str, track: dict[str, str] | None = None,
             interval: float = 0.1) -> Iterator[Watch]:
    """Polls the namespace until the block ends; `track` is a Deployment's matchLabels."""
    watch = Watch()
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                _poll(api, namespace, track, watch)
            except Exception as exc:  # a failed poll is reported, not fatal to the thread
                watch.errors.append(repr(exc))
            stop.wait(interval)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        stop.set()
        thread.join(timeout=30)
        _poll(api, namespace, track, watch)
