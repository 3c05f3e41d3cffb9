"""All configuration, from one place: the environment (and mounted secret files).

Precedence, highest first: values passed in code (the CLI's flags), environment
variables, files in ``CONDUCTOR_SECRETS_DIR`` (one file per variable, as a mounted
Kubernetes Secret provides them; a file's trailing newline is dropped), defaults.

Everything, ``CONDUCTOR_SECRETS_DIR`` included, is read when a ``Settings`` is made
(when a command runs), never when the module is imported.

Read with the standard library, not pydantic-settings: importing pydantic-settings (and
pydantic, and asyncio, which it imports) took about 110 ms, a quarter of an unchanged
deploy of 1,300 definitions as a process, to read six variables.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from workflow_migrator import _environment as env
from workflow_migrator._exceptions import MigratorError


class Secret:
    """A secret text: shown as ``**********``, its value only through ``get_secret_value``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __len__(self) -> int:  # an empty secret counts as none
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _text(variable: str, default: str = "") -> Any:
    return dataclasses.field(default_factory=lambda: env.read(variable) or default,
                             metadata={"variable": variable})


def _optional_text(variable: str) -> Any:
    return dataclasses.field(default_factory=lambda: env.read(variable),
                             metadata={"variable": variable})


def _secret(variable: str) -> Any:
    def read() -> Secret | None:
        value = env.read(variable)
        return None if value is None else Secret(value)

    return dataclasses.field(default_factory=read, metadata={"variable": variable})


def _seconds(variable: str, default: float) -> Any:
    def read() -> float:
        text = env.read(variable)
        if text is None:
            return default
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not (math.isfinite(seconds) and seconds > 0):
            raise MigratorError(f"{variable} must be a number of seconds above 0, not {text!r}")
        return seconds

    return dataclasses.field(default_factory=read, metadata={"variable": variable})


@dataclasses.dataclass(frozen=True)
class Settings:
    """The migrator's settings; each field reads the variable its metadata names."""

    #: The server's root URL, with or without a trailing /api.
    conductor_base_url: str = _text(env.BASE_URL)
    #: The environment's name: in every log line, and selects environments/<APP_ENV>.yaml.
    app_env: str = _text(env.APP_ENV)
    #: A bearer token, sent as X-Authorization.
    auth_token: Secret | None = _secret(env.AUTH_TOKEN)
    #: An Orkes application key id, exchanged with its secret for a token.
    auth_key: str | None = _optional_text(env.AUTH_KEY)
    #: The Orkes application key secret.
    auth_secret: Secret | None = _secret(env.AUTH_SECRET)
    #: Seconds one HTTP request may take.
    request_timeout: float = _seconds(env.REQUEST_TIMEOUT, 30.0)

    def __post_init__(self) -> None:
        # A secret given in code as plain text is kept as a Secret all the same.
        for name in ("auth_token", "auth_secret"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Secret(value))
