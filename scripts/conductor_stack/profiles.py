"""The profiles `up` offers: which server build, which services, which settings.

- ``embedded``: conductor-oss on its own built-in storage (a SQLite file in the state
  dir). Nothing else to start: the quickest way to a server.
- ``redis-postgres``: conductor-oss on a Redis and a PostgreSQL of its own, configured
  only through the variables the server image takes plus ``conductor-oss.properties``.
- ``production-core``: Netflix Conductor 3.15.0, the engine of Orkes Conductor community
  v1.1.12, on Redis for definitions, queues and the lock, as Orkes keeps them; configured
  by ``conductor-core.properties`` (the Orkes jar's defaults, where 3.15.0 has them) and
  the image's Redis variables.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from conductor_stack.base import SERVER_CONFIG_DIR
from conductor_stack.jars import SERVER_BUILDS, ServerBuild


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    build_key: str
    properties_file: str | None
    redis: bool
    postgres: bool

    @property
    def build(self) -> ServerBuild:
        return SERVER_BUILDS[self.build_key]

    @property
    def properties(self) -> Path | None:
        return SERVER_CONFIG_DIR / self.properties_file if self.properties_file else None

    def server_args(self, state_dir: Path) -> list[str]:
        """Arguments beyond the properties file: the embedded store's file and switches."""
        if self.name != "embedded":
            return []
        db = state_dir / "server" / "conductor.db"
        return [
            f"--spring.datasource.url=jdbc:sqlite:{db}?busy_timeout=15000&journal_mode=WAL",
            # AI workers: not in production, and their providers complain without API keys.
            "--conductor.integrations.ai.enabled=false",
            "--logging.level.org.conductoross.conductor.ai=OFF",
        ]


PROFILES = {
    p.name: p for p in (
        Profile("embedded", "oss", None, redis=False, postgres=False),
        Profile("redis-postgres", "oss", "conductor-oss.properties", redis=True, postgres=True),
        Profile("production-core", "core", "conductor-core.properties", redis=True,
                postgres=False),
    )
}
