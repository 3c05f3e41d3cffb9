"""Paths shared by the image tests."""

from __future__ import annotations

from pathlib import Path

from tests.tools import REPO_ROOT, tool  # noqa: F401 - re-exported for the tests here

SERVER_DIR = REPO_ROOT / "docker" / "server"
SERVER_DOCKERFILE = SERVER_DIR / "Dockerfile"
MIGRATOR_DOCKERFILE = REPO_ROOT / "Dockerfile"
PATCH_DIR = SERVER_DIR / "patches"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
