"""The environment variables the migrator reads, each named once.

``Settings`` (``_settings.py``) reads all of them, each through ``read``. The commands that
talk to no server (``validate`` without ``--server``, ``schema``) need only ``APP_ENV``.
"""

from __future__ import annotations

import os

BASE_URL = "CONDUCTOR_BASE_URL"
APP_ENV = "APP_ENV"
AUTH_TOKEN = "CONDUCTOR_AUTH_TOKEN"
AUTH_KEY = "CONDUCTOR_AUTH_KEY"
AUTH_SECRET = "CONDUCTOR_AUTH_SECRET"
REQUEST_TIMEOUT = "CONDUCTOR_REQUEST_TIMEOUT"
#: A directory of files named like the variables, as a mounted Kubernetes Secret gives them.
SECRETS_DIR = "CONDUCTOR_SECRETS_DIR"
#: Every variable above: what a test clears so that no developer's own setting leaks in.
VARIABLES: tuple[str, ...] = (BASE_URL, APP_ENV, AUTH_TOKEN, AUTH_KEY, AUTH_SECRET,
                              REQUEST_TIMEOUT, SECRETS_DIR)


def read(name: str) -> str | None:
    """The variable ``name`` as ``Settings`` reads it: from the environment, else from its
    file in the secrets directory (without the file's trailing newline), else None."""
    if name in os.environ:
        return os.environ[name]
    secrets_dir = os.environ.get(SECRETS_DIR)
    if secrets_dir:
        try:
            with open(os.path.join(secrets_dir, name), encoding="utf-8") as file:
                return file.read().strip()
        except OSError:
            pass
    return None


def offline_app_env() -> str:
    """APP_ENV as ``Settings`` would read it, without reading the other settings."""
    return read(APP_ENV) or ""
