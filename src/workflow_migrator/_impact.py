"""Impact analysis: what the server says a plan would touch, read before anything is written.

For the workflows a plan changes, creates a version of or prunes, it reads:

- the RUNNING and PAUSED executions, per version. ``GET /api/workflow/running/{name}``
  (one request per workflow name) gives the ids of both states, of every version: both
  servers ignore its ``version`` parameter. Their versions and states come from one
  search of the execution index for all those names at once; an execution the index
  does not hold (a server without indexing, an index that lags) is read by id, up to
  ``MAX_STATUS_READS`` of them; beyond that it is counted with an unknown version;
- the poll data (``GET /api/tasks/queue/polldata/all``, one request): whether a worker
  polled, within the window, each worker task a changed workflow uses;
- the event handlers, if the plan did not read them, since a handler on the server may
  start a changed workflow.

Then the breaking-change rules (``_breaking``) run on the plan. Nothing is written, and
a plan that changes no workflow makes no request here.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from workflow_migrator._breaking import concerns
from workflow_migrator._exceptions import ConductorError
from workflow_migrator._models import Definition, DefinitionSet, JSONObject, Source
from workflow_migrator._plan import LiveState, Plan, PlanOptions, compute_plan
from workflow_migrator._risk import Concern, Executions, Risk, Worker
from workflow_migrator._task_types import task_types
from workflow_migrator._task_walk import walk

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient

#: Executions missing from the search index read one by one at most; the rest are
#: counted under an unknown version (a server with thousands and no index).
MAX_STATUS_READS = 50
#: Summaries per search request (Conductor refuses more than 5,000).
SEARCH_PAGE = 1000
IN_FLIGHT = ("RUNNING", "PAUSED")
#: Reads sent at once (running executions per workflow, executions by id).
READERS = 4
DEFAULT_WORKER_WINDOW = 600.0


@dataclasses.dataclass(frozen=True)
class ImpactOptions:
    """How the plan's impact is analysed (``plan --worker-window``, ``--require-workers``)."""

    worker_window: float = DEFAULT_WORKER_WINDOW
    require_workers: bool = False


def plan_with_impact(definitions: DefinitionSet, live: LiveState, client: ConductorClient,
                     options: PlanOptions, impact: ImpactOptions = ImpactOptions()) -> Plan:
    """The plan, with the executions, workers and breaking changes of what it touches.
    With prune, a workflow version with executions is kept, as without the analysis.

    :param definitions: the desired definitions, already validated.
    :param live: what the server holds (``read_live``), event handlers included: a
        handler that starts a changed workflow is a concern.
    :param options: prune, keep patterns, allow-overwrite.
    """
    planned = compute_plan(definitions, live, options)
    touched = sorted({c.name for c in planned.changes
                      if c.kind == "workflow" and c.action != "unchanged"})
    executions = read_executions(client, touched)
    running = running_versions(planned, executions)
    if running:
        live = dataclasses.replace(live, running=running)
        planned = compute_plan(definitions, live, options)
    risk = Risk(executions, (*concerns(planned, definitions, live),
                             *_overwrites(planned, executions)),
                read_workers(client, planned, impact.worker_window), impact.worker_window,
                impact.require_workers)
    return dataclasses.replace(planned, risk=risk)


def running_versions(plan: Plan,
                     executions: tuple[Executions, ...]) -> frozenset[tuple[str, int]]:
    """The workflow versions the plan would delete that have executions (an execution of
    unknown version counts for every version of its workflow)."""
    return frozenset((c.name, c.version) for c in plan.pending("delete", "workflow")
                     if c.version is not None and any(
                         e.workflow == c.name and e.version in (c.version, None)
                         for e in executions))


def read_executions(client: ConductorClient, names: Iterable[str]) -> tuple[Executions, ...]:
    """The RUNNING and PAUSED executions of each workflow name, per version."""
    # A few at once: each is a small read the server answers quickly, and 300 changed
    # workflows one after the other would wait 300 round trips.
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        names = list(names)
        listed = zip(names, pool.map(client.running_ids, names), strict=True)
        owner = {execution: name for name, ids in listed for execution in ids}
        if not owner:
            return ()
        found = _search(client, sorted(set(owner.values())), owner)
        missing = [execution for execution in owner if execution not in found][:MAX_STATUS_READS]
        read = zip(missing, pool.map(client.workflow_summary, missing), strict=True)
        for execution, summary in read:
            if summary is not None:
                found[execution] = _state(summary)
    counts: Counter[tuple[str, int | None, str]] = Counter()
    for execution, name in owner.items():
        version, status = found.get(execution, (None, "RUNNING"))
        if status in IN_FLIGHT:  # one that finished since it was listed is left out
            counts[(name, version, status)] += 1
    keys = sorted({(n, v) for n, v, _ in counts}, key=lambda k: (k[0], k[1] is None, k[1] or 0))
    return tuple(Executions(n, v, counts[(n, v, "RUNNING")], counts[(n, v, "PAUSED")])
                 for n, v in keys)


def _search(client: ConductorClient, names: list[str],
            owner: dict[str, str]) -> dict[str, tuple[int | None, str]]:
    """Version and state of the listed executions the index holds; {} without an index."""
    query = f"workflowType IN ({','.join(names)}) AND status IN ({','.join(IN_FLIGHT)})"
    found: dict[str, tuple[int | None, str]] = {}
    start = 0
    try:
        while len(found) < len(owner):
            page = client.search_workflows(query, start=start, size=SEARCH_PAGE)
            results = [r for r in page.get("results") or [] if isinstance(r, dict)]
            found.update((str(r.get("workflowId")), _state(r)) for r in results
                         if r.get("workflowId") in owner)
            start += len(results)
            if not results or start >= int(page.get("totalHits") or 0):
                break
    except ConductorError:  # a server whose search fails: read the executions by id
        pass
    return found


def _state(summary: JSONObject) -> tuple[int | None, str]:
    version = summary.get("version", summary.get("workflowVersion"))
    return (version if isinstance(version, int) else None), str(summary.get("status"))


def _overwrites(plan: Plan, executions: tuple[Executions, ...]) -> list[Concern]:
    """A version changed in place is what its running executions go on with."""
    risk = Risk(executions)
    return [Concern("running-overwrite", "risky", c.address,
                    f"{n} running or paused execution(s) of v{c.version} continue on the "
                    "changed definition (their remaining tasks follow it)")
            for c in plan.pending("update", "workflow")
            if (n := risk.running_on(c.name, c.version))]


def worker_queues(plan: Plan) -> dict[str, list[str]]:
    """Each worker task queue the plan's new and changed workflows use, with their addresses:
    a SIMPLE task's queue is its name; a type Conductor does not know runs as a worker
    task whose queue is the type."""
    queues: dict[str, list[str]] = {}
    for change in plan.changes:
        if change.kind != "workflow" or change.action not in ("create", "update") or \
                change.payload is None:
            continue
        for site in walk(Definition("workflow", change.payload, Source(""))):
            queue = site.name if site.simple else \
                site.type if site.type and site.type not in task_types() else ""
            if queue and change.address not in queues.setdefault(queue, []):
                queues[queue].append(change.address)
    return queues


def read_workers(client: ConductorClient, plan: Plan, window: float) -> tuple[Worker, ...]:
    """Whether a worker polled each worker task of the plan's changed workflows within
    ``window`` seconds (in any domain); one request, none when there is no such task."""
    queues = worker_queues(plan)
    if not queues:
        return ()
    now = time.time() * 1000
    polls: dict[str, list[JSONObject]] = {}
    for entry in client.poll_data():
        polls.setdefault(str(entry.get("queueName")), []).append(entry)
    workers = []
    for queue in sorted(queues):
        times = [(int(p.get("lastPollTime") or 0), str(p.get("domain") or ""))
                 for p in polls.get(queue, [])]
        newest = max((t for t, _ in times), default=None)
        last = None if newest is None else max(now - newest, 0) / 1000
        recent = sorted({d for t, d in times if d and now - t <= window * 1000})
        workers.append(Worker(queue, tuple(queues[queue]), last, tuple(recent),
                              last is not None and last <= window))
    return tuple(workers)
