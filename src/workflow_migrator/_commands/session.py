"""What a command runs with: the reporter it writes through, and the settings.

The settings are read from the environment when a command first asks for them, not
before: the commands that talk to no server (an offline ``validate``, ``schema``,
``upgrade-check``) need only APP_ENV, and should not pay for reading (or loading) the
rest. Reading them also tells the reporter the credentials to mask.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from workflow_migrator import _environment as env
from workflow_migrator._exceptions import MigratorError
from workflow_migrator._output import NullReporter, Reporter

if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient
    from workflow_migrator._settings import Settings


class Session:
    """The reporter and the settings of one command's run.

    :param reporter: where the command writes; by default nowhere (a ``NullReporter``).
    :param settings: the settings to use; by default read from the environment when
        first asked for.
    """

    def __init__(self, reporter: Reporter | None = None,
                 settings: Settings | None = None) -> None:
        self.reporter = reporter if reporter is not None else NullReporter()
        self._settings: Settings | None = None
        if settings is not None:
            self._use(settings)

    @property
    def settings(self) -> Settings:
        """The settings, read from the environment on first use."""
        if self._settings is None:
            from workflow_migrator._settings import Settings

            self._use(Settings())
        assert self._settings is not None
        return self._settings

    def _use(self, settings: Settings) -> None:
        self._settings = settings
        self.reporter.configure(app_env=settings.app_env)
        self.reporter.add_secrets(secret.get_secret_value()
                                  for secret in (settings.auth_token, settings.auth_secret)
                                  if secret)

    @property
    def app_env(self) -> str:
        """APP_ENV: the settings' once read, else as they would read it (without them)."""
        return self._settings.app_env if self._settings is not None else env.offline_app_env()

    def client(self, base_url: str = "") -> ConductorClient:
        """A client for ``base_url``, or for CONDUCTOR_BASE_URL, with the settings'
        credentials."""
        from workflow_migrator._client import ConductorClient
        from workflow_migrator._exceptions import InvalidURLError

        settings = self.settings
        if not base_url and not settings.conductor_base_url:
            raise MigratorError("CONDUCTOR_BASE_URL is not set: give the Conductor server's "
                                "URL, e.g. CONDUCTOR_BASE_URL=http://conductor-server:8080")
        try:
            return ConductorClient(
                base_url or settings.conductor_base_url,
                auth_token=settings.auth_token.get_secret_value() if settings.auth_token
                else None,
                auth_key=settings.auth_key,
                auth_secret=settings.auth_secret.get_secret_value() if settings.auth_secret
                else None,
                timeout=settings.request_timeout,
            )
        except InvalidURLError as exc:
            # Say which setting holds the malformed URL: the variable, or a --from/--to URL.
            raise InvalidURLError(f"{'the URL' if base_url else env.BASE_URL} {exc}") from None

    def write_file(self, path: Path, text: str) -> None:
        """Writes a report or a file through a reporter of its own, so secrets are masked."""
        try:
            with path.open("w", encoding="utf-8") as file:
                Reporter(self.app_env, secrets=self.reporter.secrets, out=file).result(text)
        except OSError as exc:
            raise MigratorError(f"cannot write {path}: {exc.strerror or exc}") from exc
