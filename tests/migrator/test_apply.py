"""Applying a plan: new automatic versions are registered create-only; nothing is
written when any body cannot be sent."""

from __future__ import annotations

import datetime
import json

import httpx
import pytest

from tests.support.definitions import live_workflow, task, workflow
from workflow_migrator import (
    Change,
    ConductorClient,
    DefinitionError,
    DefinitionSet,
    LiveState,
    apply_plan,
    compute_plan,
)


class FakeServer:
    """Holds workflow versions; POST refuses a taken number with 409, as Conductor does."""

    def __init__(self, *versions: dict[str, object]) -> None:
        self.versions = {(str(v["name"]), int(str(v["version"]))): v for v in versions}
        self.posted: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/metadata/workflow":
            body = json.loads(request.content)
            self.posted.append(body["version"])
            key = (body["name"], body["version"])
            if key in self.versions:
                return httpx.Response(409, json={"status": 409, "message": "already exists"})
            self.versions[key] = body
            return httpx.Response(200)
        if request.method == "GET" and request.url.path.startswith("/api/metadata/workflow/"):
            name = request.url.path.rsplit("/", 1)[1]
            mine = [v for (n, _), v in self.versions.items() if n == name]
            return httpx.Response(200, json=max(mine, key=lambda v: int(str(v["version"]))))
        return httpx.Response(404)


def apply_over_v1(server: FakeServer, description: str) -> list[Change]:
    """Applies a directory holding ``w`` with ``description`` to a server that held its
    v1 ("old") when the plan was made; returns the changes applied."""
    plan = compute_plan(DefinitionSet(workflows=(workflow("w", description=description),)),
                        LiveState(workflows=(live_workflow("w", 1, description="old"),)))
    applied: list[Change] = []
    with ConductorClient("http://conductor", transport=httpx.MockTransport(server)) as client:
        apply_plan(plan, client, on_change=applied.append)
    return applied


def test_a_taken_version_number_moves_to_the_next_free_one() -> None:
    server = FakeServer(live_workflow("w", 1, description="old"))
    # Another release registers v2 between our plan and our write.
    server.versions[("w", 2)] = live_workflow("w", 2, description="theirs")
    applied = apply_over_v1(server, "mine")
    assert server.posted == [2, 3]
    assert server.versions[("w", 2)]["description"] == "theirs"
    assert server.versions[("w", 3)]["description"] == "mine"
    assert [c.version for c in applied] == [3]


def test_a_taken_number_holding_the_same_content_is_not_registered_again() -> None:
    server = FakeServer(live_workflow("w", 1, description="old"))
    server.versions[("w", 2)] = live_workflow("w", 2, description="same")
    apply_over_v1(server, "same")
    assert server.posted == [2]
    assert set(server.versions) == {("w", 1), ("w", 2)}


def test_a_number_another_release_overwrote_at_the_same_instant_moves_on() -> None:
    """Conductor 3.15's check-then-write: our POST of v2 is accepted, but another
    release's POST of v2 lands just after and replaces it; reading v2 back shows theirs."""

    class Racing(FakeServer):
        def __call__(self, request: httpx.Request) -> httpx.Response:
            answer = super().__call__(request)
            if request.method == "POST" and self.posted == [2]:
                self.versions[("w", 2)] = live_workflow("w", 2, description="theirs")
            return answer

    server = Racing(live_workflow("w", 1, description="old"))
    applied = apply_over_v1(server, "mine")
    assert server.posted == [2, 3]
    assert server.versions[("w", 2)]["description"] == "theirs"
    assert server.versions[("w", 3)]["description"] == "mine"
    assert [c.version for c in applied] == [3]


def test_a_body_json_cannot_carry_stops_the_deploy_before_its_first_write() -> None:
    requests: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        requests.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json={})

    # Built by hand: the loader refuses such values; apply must hold even without it.
    desired = DefinitionSet((task("t"),), (workflow("w", 1, since=datetime.date(2024, 1, 1)),))
    plan = compute_plan(desired, LiveState())
    with ConductorClient("http://conductor", transport=httpx.MockTransport(server)) as client:
        with pytest.raises(DefinitionError) as raised:
            apply_plan(plan, client)
    assert requests == []  # the task definition, first in order, was not written either
    assert str(raised.value) == ("workflows/w.json: workflow w v1 cannot be sent as JSON "
                                 "(TypeError: Object of type date is not JSON serializable)")
