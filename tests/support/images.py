"""The container images' sources the image tests read."""

from __future__ import annotations

from tests.support.paths import REPO_ROOT

SERVER_DIR = REPO_ROOT / "docker" / "server"
SERVER_DOCKERFILE = SERVER_DIR / "Dockerfile"
MIGRATOR_DOCKERFILE = REPO_ROOT / "Dockerfile"
PATCH_DIR = SERVER_DIR / "patches"
