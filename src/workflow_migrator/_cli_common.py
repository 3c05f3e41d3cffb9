"""What every subcommand of the ``workflow-migrator`` command shares: the exit codes
(``EXIT_CODES``, shown in every command's help), the common options, and how a command
gets its reporter, its settings and its client. ``_cli.py`` builds the command and holds
``validate``, ``schema`` and ``export``; ``_cli_deploy.py`` holds ``plan``, ``deploy``,
``status`` and ``diff``, ``_cli_test.py`` the workflow tests', ``_cli_upgrade.py``
``upgrade-check``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator import _environment as env
from workflow_migrator._exceptions import MigratorError
from workflow_migrator._output import LogFormat, Reporter
from workflow_migrator._targets import TARGET_NAMES

# Imported when a command runs: the HTTP client and the settings cost more to import
# than `--help` or an offline `validate` take to run.
if TYPE_CHECKING:
    from workflow_migrator._client import ConductorClient
    from workflow_migrator._settings import Settings

EXIT_OK, EXIT_ERROR, EXIT_CHANGES, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: Every exit code and what it means: the one place they are described.
EXIT_CODES = {
    EXIT_OK: "success (plan --detailed-exitcode: no changes)",
    EXIT_ERROR: "error: invalid definitions, a refused change, a server failure, a failed "
                "test; plan --fail-on/--require-workers: the gate failed (before 2)",
    EXIT_CHANGES: "plan/status/diff --detailed-exitcode: changes pending (the server has "
                  "drifted, the two sides differ); upgrade-check: definitions behave "
                  "differently after the upgrade",
    EXIT_BUG: "unexpected internal error (a bug: please report it)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, or SIGTERM when Kubernetes stops the Job)",
}
_ENVIRONMENT_HELP = (
    (env.BASE_URL, "the server's root URL (a trailing /api is accepted)"),
    (env.APP_ENV, "the environment's name, in every log line"),
    (env.AUTH_TOKEN, "bearer token for a secured server (sent as X-Authorization)"),
    (f"{env.AUTH_KEY}, {env.AUTH_SECRET}", "Orkes key and secret, exchanged for a token"),
    (env.SECRETS_DIR, "a directory of files named like these variables (a mounted Secret)"),
)
EXIT_CODES_HELP = (
    "\n\b\nExit codes:\n"
    + "".join(f"  {code:<5}{meaning}\n" for code, meaning in EXIT_CODES.items())
    + "\n\b\nEnvironment:\n"
    + "".join(f"  {name}\n      {meaning}\n" for name, meaning in _ENVIRONMENT_HELP))

config_dir_option = click.option(
    "--config-dir", required=True, type=click.Path(path_type=Path, file_okay=False),
    help="Directory holding tasks/, workflows/, event-handlers/ (and environments/).")
log_format_option = click.option(
    "--log-format", type=click.Choice(["auto", "text", "json"]), default="auto", show_default=True,
    help="Log lines as text, or one JSON object per line; auto picks text on a terminal.")
target_option = click.option(
    "--target", type=click.Choice(TARGET_NAMES), default=None,
    help="The Conductor generation the definitions are for: which evaluators, keys and "
         "checks apply (default: 'target' of DIR/workflow-migrator.yaml, else "
         "conductor-3.15, production's).")
wait_option = click.option(
    "--wait-timeout", type=float, default=300.0, show_default=True,
    help="Seconds to wait for a server that is still starting.")


def current_reporter() -> Reporter:
    """The reporter ``main`` made for this run (a fresh one when the group is run alone)."""
    context = click.get_current_context()
    if not isinstance(context.obj, Reporter):
        context.obj = Reporter()
    return context.obj


def start(log_format: LogFormat) -> tuple[Settings, Reporter]:
    """Reads the settings now (not at import) and tells the reporter the environment, the
    log format and the credentials to mask."""
    from workflow_migrator._settings import Settings

    settings = Settings()
    reporter = current_reporter()
    reporter.configure(app_env=settings.app_env, log_format=log_format)
    reporter.add_secrets(secret.get_secret_value()
                         for secret in (settings.auth_token, settings.auth_secret) if secret)
    return settings, reporter


def make_client(settings: Settings, base_url: str = "") -> ConductorClient:
    """A client for ``base_url``, or for CONDUCTOR_BASE_URL, with the settings' credentials."""
    from workflow_migrator._client import ConductorClient
    from workflow_migrator._exceptions import InvalidURLError

    if not base_url and not settings.conductor_base_url:
        raise MigratorError("CONDUCTOR_BASE_URL is not set: give the Conductor server's URL, "
                            "e.g. CONDUCTOR_BASE_URL=http://conductor-server:8080")
    try:
        return ConductorClient(
            base_url or settings.conductor_base_url,
            auth_token=settings.auth_token.get_secret_value() if settings.auth_token else None,
            auth_key=settings.auth_key,
            auth_secret=settings.auth_secret.get_secret_value() if settings.auth_secret else None,
            timeout=settings.request_timeout,
        )
    except InvalidURLError as exc:
        # Say which setting holds the malformed URL: the variable, or a --from/--to URL.
        raise InvalidURLError(f"{'the URL' if base_url else env.BASE_URL} {exc}") from None


def write_file(path: Path, text: str, settings: Settings, reporter: Reporter) -> None:
    """Writes a report or a file through a reporter of its own, so secrets are masked."""
    try:
        with path.open("w", encoding="utf-8") as file:
            Reporter(settings.app_env, secrets=reporter.secrets, out=file).result(text)
    except OSError as exc:
        raise MigratorError(f"cannot write {path}: {exc.strerror or exc}") from exc
