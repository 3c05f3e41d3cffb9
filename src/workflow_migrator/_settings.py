"""All configuration, from one place: the environment (and mounted secret files).

Precedence, highest first: values passed in code (the CLI's flags), environment
variables, files in ``CONDUCTOR_SECRETS_DIR`` (one file per variable, as a mounted
Kubernetes Secret provides them), defaults.

Everything, ``CONDUCTOR_SECRETS_DIR`` included, is read when a ``Settings`` is made
(when a command runs), never when the module is imported.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflow_migrator import _environment as env


class Settings(BaseSettings):
    """The migrator's settings; every field reads the variable named in its alias."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True)

    def __init__(self, **values: Any) -> None:
        # The secrets directory is itself a setting of the environment: read it now, so a
        # variable set after import (a test, a program embedding the migrator) counts.
        values.setdefault("_secrets_dir", os.environ.get(env.SECRETS_DIR) or None)
        super().__init__(**values)

    conductor_base_url: str = Field(
        default="", validation_alias=AliasChoices(env.BASE_URL, "conductor_base_url"),
        description="The server's root URL, with or without a trailing /api.")
    app_env: str = Field(
        default="", validation_alias=AliasChoices(env.APP_ENV, "app_env"),
        description="The environment's name: in every log line, and selects "
                    "environments/<APP_ENV>.yaml.")
    auth_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices(env.AUTH_TOKEN, "auth_token"),
        description="A bearer token, sent as X-Authorization.")
    auth_key: str | None = Field(
        default=None, validation_alias=AliasChoices(env.AUTH_KEY, "auth_key"),
        description="An Orkes application key id, exchanged with its secret for a token.")
    auth_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices(env.AUTH_SECRET, "auth_secret"),
        description="The Orkes application key secret.")
    request_timeout: float = Field(
        default=30.0, validation_alias=AliasChoices(env.REQUEST_TIMEOUT, "request_timeout"),
        description="Seconds one HTTP request may take.")
