"""Carries out a plan against a server, in the order that keeps it consistent.

Task definitions come first (new ones in batches of ``TASK_BATCH``, changed ones one
per request, ``PARALLEL_WRITES`` requests at a time), then every new or changed
workflow version in bulk, except new versions of workflows numbered automatically, which
are registered one by one and only if their number is still free, then event handlers
(after the workflows they start), then deletions: event handlers first (before the
workflows they start), then workflows, then tasks. Each step is an idempotent upsert,
create-only registration or delete, so a run that stops half-way leaves a state the next
run, which plans again from what the server then holds, completes. Every new or changed
task definition is tried even when some fail; the failures are reported together, and the
deploy stops there. Every body is serialised before the first request: a value that
cannot be sent stops the deploy before it has written anything.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from workflow_migrator._compare import differences
from workflow_migrator._exceptions import (
    ConductorError,
    DefinitionError,
    ServerRejectedError,
    WritesFailedError,
)
from workflow_migrator._fields import ServerKeys
from workflow_migrator._findings import Finding
from workflow_migrator._models import JSONObject
from workflow_migrator._plan import Change, Plan

if TYPE_CHECKING:
    from concurrent.futures import Future

    from workflow_migrator._client import ConductorClient

#: Workflows per bulk request: one request for a typical set, bounded bodies for huge ones.
WORKFLOW_BATCH = 200
#: How often a new version's number may be taken by concurrent deploys before giving up.
MAX_VERSION_ATTEMPTS = 5
#: New task definitions per bulk request. Conductor 3.15 re-reads every task definition
#: after writing each one, so one list of hundreds keeps one of its cores busy for
#: seconds; batches sent at once spread that over its cores.
TASK_BATCH = 50
#: Requests in flight at once (a batch of new task definitions, or one changed one, as
#: Conductor updates one per request): enough to hide most of each request's round trip,
#: and well within the request threads and database connections of a server.
PARALLEL_WRITES = 8


@dataclasses.dataclass(frozen=True)
class ApplyResult:
    created: int
    updated: int
    deleted: int


def apply_plan(plan: Plan, client: ConductorClient,
               on_change: Callable[[Change], None] = lambda change: None,
               keeps: ServerKeys | None = None) -> ApplyResult:
    """Writes every pending change of ``plan``; the plan must have no conflicts.

    :param keeps: the keys the server keeps, as the plan compared them: what a new
        version is read back against.
    """
    if plan.conflicts:
        raise ValueError("a plan with conflicts cannot be applied")
    _check_bodies(plan)
    _write_tasks(plan.pending("create", "task"), plan.pending("update", "task"), client,
                 on_change)
    workflows = plan.pending("create", "workflow") + plan.pending("update", "workflow")
    upserts = [c for c in workflows if not c.create_only]
    for start in range(0, len(upserts), WORKFLOW_BATCH):
        batch = upserts[start:start + WORKFLOW_BATCH]
        with _located(batch):
            client.upsert_workflow_defs([_payload(c) for c in batch])
        for change in batch:
            on_change(change)
    for change in workflows:
        if change.create_only:
            on_change(_register_new_version(client, change, keeps))
    for change in plan.pending("create", "event_handler"):
        client.create_event_handler(_payload(change))
        on_change(change)
    for change in plan.pending("update", "event_handler"):
        client.update_event_handler(_payload(change))
        on_change(change)
    for change in plan.pending("delete", "event_handler"):
        client.delete_event_handler(change.name)
        on_change(change)
    for change in plan.pending("delete", "workflow"):
        assert change.version is not None
        client.delete_workflow_def(change.name, change.version)
        on_change(change)
    for change in plan.pending("delete", "task"):
        client.delete_task_def(change.name)
        on_change(change)
    return ApplyResult(
        created=plan.count("create"), updated=plan.count("update"), deleted=plan.count("delete"))


#: Some task definitions, and the request that writes them.
_Write = tuple[Sequence[Change], Callable[[], None]]


def _write_tasks(new: Sequence[Change], changed: Sequence[Change], client: ConductorClient,
                 on_change: Callable[[Change], None]) -> None:
    """Writes the new task definitions in batches of ``TASK_BATCH`` and the changed ones
    one per request (an update keeps the definition's ``createTime``; a batch, Conductor's
    create, would stamp a new one), ``PARALLEL_WRITES`` requests at a time. Conductor
    refuses a batch whole (400) when one item is invalid: the items its messages name
    fail, and the others are sent again (each alone when its messages name none), so
    that they are written and each refusal names its definition. One failure
    stops none of the others; the failures are raised together, as WritesFailedError,
    once every request has ended."""
    def create(batch: Sequence[Change]) -> _Write:
        def write() -> None:
            with _located(batch):
                client.upsert_task_defs([_payload(c) for c in batch])
        return batch, write

    def update(change: Change) -> _Write:
        return [change], lambda: client.update_task_def(_payload(change))

    failed: list[tuple[Change, ConductorError]] = []
    batches = [new[start:start + TASK_BATCH] for start in range(0, len(new), TASK_BATCH)]
    again = _settle([*map(create, batches), *map(update, changed)], on_change, failed)
    while again:  # each round sends fewer definitions, or the same ones one per request
        again = _settle(list(map(create, again)), on_change, failed)
    if failed:
        order = {change.address: index for index, change in enumerate([*new, *changed])}
        failed.sort(key=lambda item: order[item[0].address])
        raise WritesFailedError(
            "task definition write(s)",
            [(change.located, error) for change, error in failed],
            done=len(new) + len(changed) - len(failed))


def _settle(writes: Sequence[_Write], on_change: Callable[[Change], None],
            failed: list[tuple[Change, ConductorError]]) -> list[Sequence[Change]]:
    """Makes each write, ``PARALLEL_WRITES`` at a time (each with the client's retries):
    ``on_change`` for each definition written, in this thread, as its request ends; the
    definitions of each failed write added to ``failed``, except those of a batch the
    server refused as invalid (400) that it did not name, which are returned, to be sent
    again: as a batch, or one by one when it named none. Ctrl-C cancels what has not
    started."""
    if not writes:
        return []
    # Imported here: concurrent.futures loads logging, a fifth of an offline `validate`'s
    # start-up, and only a deploy that writes task definitions needs it.
    from concurrent.futures import ThreadPoolExecutor, as_completed

    again: list[Sequence[Change]] = []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_WRITES, len(writes)),
                            thread_name_prefix="write") as pool:
        futures: dict[Future[None], Sequence[Change]] = {
            pool.submit(write): batch for batch, write in writes}
        try:
            for future in as_completed(futures):
                batch = futures[future]
                try:
                    future.result()
                except _ItemsRefused as exc:
                    failed.extend((batch[i], error) for i, error in exc.named.items())
                    rest = [c for i, c in enumerate(batch) if i not in exc.named]
                    again.extend([rest] if rest else [])
                except ServerRejectedError as exc:
                    if exc.status == 400 and len(batch) > 1:
                        again.extend([change] for change in batch)
                    else:
                        failed.extend((change, exc) for change in batch)
                except ConductorError as exc:
                    failed.extend((change, exc) for change in batch)
                else:
                    for change in batch:
                        on_change(change)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return again


def _check_bodies(plan: Plan) -> None:
    """Serialises every body the plan sends, as the HTTP client will (UTF-8, no NaN), so
    that a value loading let through fails here, before the first write, and never
    half-way through a deploy."""
    problems = []
    for change in plan.changes:
        if change.payload is None:
            continue
        try:
            json.dumps(change.payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
            # The exception's text names the type or the character, never the value.
            problems.append(Finding(change.source or "", "", f"{change.address} cannot be sent "
                                    f"as JSON ({type(exc).__name__}: {exc})", "not-json"))
    if problems:
        raise DefinitionError(problems)


def _register_new_version(client: ConductorClient, change: Change,
                          keeps: ServerKeys | None) -> Change:
    """Registers the next version of an automatically versioned workflow. When another
    deploy took that number first (refused with 409, or its content is what the server
    holds after our write), its version stays and this content takes the next free number,
    unless the newest version already holds this very content."""
    payload = _payload(change)
    for _ in range(MAX_VERSION_ATTEMPTS):
        if client.create_workflow_def(payload):
            version = int(payload["version"])
            stored = client.workflow_def(change.name, version)
            # Conductor 3.15 checks that the number is free, then writes: another release's
            # POST of the same number at the same instant can succeed too and replace this
            # content. Read it back; when it is not ours, take the next number. What it
            # is compared with is what the server keeps of ours: a key it drops is gone.
            if stored is None or not differences("workflow", stored, payload,
                                                 keep_version=False, keeps=keeps):
                return dataclasses.replace(change, version=version)
        newest = client.latest_workflow_def(change.name)
        if newest is None:
            continue
        if not differences("workflow", newest, payload, keep_version=False, keeps=keeps):
            return dataclasses.replace(change, version=int(newest.get("version", 1)))
        payload = {**payload, "version": int(newest.get("version", 1)) + 1}
    raise ConductorError(f"workflow {change.name}: no free version number after "
                         f"{MAX_VERSION_ATTEMPTS} attempts (other deploys keep registering)")


#: The item of a bulk request a server's validation error is about, and the field:
#: ``updateWorkflowDef.workflowDefList[1].tasks`` (3.15), ``upsertWorkflowDef.arg0[1].tasks``.
_BULK_ITEM = re.compile(r"^[\w.]*?\[(\d+)\]\.?(\S*?):\s*(.*)$", re.DOTALL)


class _ItemsRefused(ServerRejectedError):
    """A bulk request the server refused (400, storing none of it) for problems with the
    items it named, each by its index in the request: ``named`` holds each such item's
    own error, its messages located (file, definition, field)."""

    def __init__(self, message: str, *, named: dict[int, ServerRejectedError],
                 messages: list[str], method: str, url: str, status: int | None) -> None:
        super().__init__(message, messages=messages, method=method, url=url, status=status)
        self.named = named


@contextmanager
def _located(batch: Sequence[Change]) -> Iterator[None]:
    """Conductor validates a bulk request as a whole: one bad item and it answers 400 and
    stores none of them. Its messages locate the item by its index in the request; this
    names the item's file, definition and field instead, and tells which items they were
    (``_ItemsRefused``) when every message names one."""
    try:
        yield
    except ServerRejectedError as exc:
        located = [_locate(message, batch) for message in exc.messages]
        if all(index is None for index, _, _ in located):
            raise
        texts = [f"{where}{detail}" for _, where, detail in located]
        stored_none = " (the server stored none of this request)"
        if exc.status != 400 or any(index is None for index, _, _ in located):
            raise ServerRejectedError("; ".join(texts) + stored_none, messages=texts,
                                      method=exc.method, url=exc.url, status=exc.status) from exc
        # Each item's own error says what is wrong with it; the failure names the item.
        by_item: dict[int, list[str]] = {}
        for index, _, detail in located:
            if index is not None:
                by_item.setdefault(index, []).append(detail)
        named = {index: ServerRejectedError("; ".join(own), messages=own, method=exc.method,
                                            url=exc.url, status=exc.status)
                 for index, own in by_item.items()}
        raise _ItemsRefused("; ".join(texts) + stored_none, named=named, messages=texts,
                            method=exc.method, url=exc.url, status=exc.status) from exc


def _locate(message: str, batch: Sequence[Change]) -> tuple[int | None, str, str]:
    """The index of the item ``message`` is about (None: it names none of ``batch``), the
    item's file and definition (``"tasks/a.json: task a: "``), and what the message says
    of it, the index left out."""
    match = _BULK_ITEM.match(message)
    if not match or int(match.group(1)) >= len(batch):
        return None, "", message
    change = batch[int(match.group(1))]
    field = f"{match.group(2)}: " if match.group(2) else ""
    return int(match.group(1)), f"{change.located}: ", f"{field}{match.group(3)}"


def _payload(change: Change) -> JSONObject:
    assert change.payload is not None, f"{change.address}: nothing to write"
    return change.payload
