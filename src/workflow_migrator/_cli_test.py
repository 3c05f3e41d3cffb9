"""The ``workflow-migrator test`` commands: run the workflow test cases of a directory
(with their coverage), and ``test capture``, which turns finished executions into cases."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow_migrator._cli_common import (
    EXIT_CODES_HELP,
    EXIT_ERROR,
    EXIT_OK,
    config_dir_option,
    log_format_option,
    make_client,
    start,
    wait_option,
    write_file,
)
from workflow_migrator._output import LogFormat, Reporter

if TYPE_CHECKING:
    from workflow_migrator._settings import Settings
    from workflow_migrator._workflow_run import CaseResult


@click.group(name="test", epilog=EXIT_CODES_HELP, invoke_without_command=True)
@click.option("--config-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding tests/ next to tasks/ and workflows/ (required to run).")
@click.option("-k", "pattern", default="", metavar="PATTERN",
              help="Run only the cases whose file::name or workflow name contains PATTERN.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds one case may run before it fails as stuck.")
@click.option("--jobs", type=click.IntRange(min=1), default=4, show_default=True,
              help="How many cases run at once.")
@click.option("--ui-url", default="", metavar="URL",
              help="The Conductor UI's URL: failures link to URL/execution/<workflowId>.")
@click.option("--format", "output_format", type=click.Choice(["text", "junit"]), default="text",
              show_default=True, help="A line per case and the failures, or JUnit XML.")
@click.option("--output", "output_file", type=click.Path(path_type=Path, dir_okay=False),
              help="With --format junit, write the XML to this file (the text report still "
                   "goes to stdout).")
@click.option("--coverage", is_flag=True,
              help="Report which tasks, branches and loop bodies of each workflow the cases "
                   "reached.")
@click.option("--coverage-format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="markdown: each workflow's diagram coloured by coverage, for a pull request.")
@click.option("--coverage-output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the coverage report to this file instead of stdout.")
@click.option("--cov-fail-under", type=click.FloatRange(0, 100), metavar="PERCENT",
              help="Exit 1 when the total coverage is below PERCENT (implies --coverage).")
@click.option("--server-url", "server_urls", multiple=True, metavar="[NAME=]URL",
              help="Run every case on this server too (repeatable; instead of "
                   "CONDUCTOR_BASE_URL), e.g. the next Conductor before an upgrade. NAME "
                   "names it in the report (default: the URL).")
@click.option("--server-matrix", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A YAML file naming the servers to run on: 'NAME: URL' per line.")
@wait_option
@log_format_option
@click.pass_context
def run_tests_command(ctx: click.Context, config_dir: Path | None, pattern: str, timeout: float,
                      jobs: int, ui_url: str, output_format: str, output_file: Path | None,
                      coverage: bool, coverage_format: str, coverage_output: Path | None,
                      cov_fail_under: float | None, server_urls: tuple[str, ...],
                      server_matrix: Path | None, wait_timeout: float,
                      log_format: LogFormat) -> int:
    """Run the workflow test cases of DIR/tests/ on the server, with mocked workers; with
    several servers (--server-url, --server-matrix), every case on each, reported per
    server.

    Nothing is registered: each case sends its definitions inline and runs under a task
    domain of its own, so the server's workers never see its tasks. Exits 1 when a case fails.
    `test capture` turns finished executions into cases.
    """
    if ctx.invoked_subcommand is not None:
        return EXIT_OK
    if config_dir is None:
        raise click.UsageError("Missing option '--config-dir'.")
    from workflow_migrator._views.case_results import failure_text, results_text
    from workflow_migrator._views.junit import junit_matrix_xml, junit_xml
    from workflow_migrator._workflow_run import run_workflow_tests

    settings, reporter = start(log_format)
    servers = _servers(server_urls, server_matrix)
    show_lines = output_format == "text" or output_file is not None
    runs = []
    for name, url in servers or [("", "")]:
        prefix = f"[{name}] " if name else ""
        if name:
            reporter.log(f"Running the workflow tests on {name}", event="server-run",
                         server=name)
        started = time.monotonic()
        with make_client(settings, url) as client:
            ran = run_workflow_tests(
                config_dir, client, app_env=settings.app_env, pattern=pattern,
                timeout=timeout, jobs=jobs, wait_timeout=wait_timeout, reporter=reporter,
                on_result=_show_case(reporter, prefix) if show_lines else None)
        if show_lines:
            reporter.result(prefix + results_text(ran, ui_url, time.monotonic() - started))
        runs.append((name, ran, {r.case.id: failure_text(r, ui_url) for r in ran}))
    results = [result for _, ran, _ in runs for result in ran]
    if output_format == "junit":
        xml = junit_matrix_xml(runs) if servers else junit_xml(results, runs[0][2])
        if output_file is None:
            reporter.result(xml)
        else:
            write_file(output_file, xml, settings, reporter)
    passed = all(r.passed for r in results)
    if coverage or cov_fail_under is not None:
        covered = _report_coverage(config_dir, results, settings, reporter, coverage_format,
                                   coverage_output)
        if cov_fail_under is not None and covered < cov_fail_under:
            reporter.error(f"coverage {covered:.1f}% is below --cov-fail-under "
                           f"{cov_fail_under:g}%", event="coverage", percent=round(covered, 1))
            return EXIT_ERROR
    return EXIT_OK if passed else EXIT_ERROR


def _show_case(reporter: Reporter, prefix: str) -> Callable[[CaseResult], None]:
    """Shows each case's line as soon as it ends, with the server's name in front."""
    from workflow_migrator._views.case_results import case_line

    return lambda result: reporter.result(prefix + case_line(result))


def _servers(urls: Sequence[str], matrix: Path | None) -> list[tuple[str, str]]:
    """The servers to run on, each with its name: ``--server-url [NAME=]URL`` in order,
    then the matrix file's; none means the settings' one server."""
    servers = []
    for value in urls:
        # NAME=URL: a '=' before the URL's scheme ends; a URL alone may hold '=' later on
        name, _, url = value.partition("=") if "=" in value.split("://", 1)[0] else (
            "", "", value)
        servers.append((name or url, url))
    if matrix is not None:
        import yaml

        try:
            document = yaml.safe_load(matrix.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise click.BadParameter(f"cannot read {matrix}: {exc}",
                                     param_hint="--server-matrix") from exc
        if not isinstance(document, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v for k, v in document.items()):
            raise click.BadParameter(f"{matrix}: expected 'NAME: URL' lines, a name and a URL "
                                     "each", param_hint="--server-matrix")
        servers += list(document.items())
    names = [name for name, _ in servers]
    if len(set(names)) != len(names):
        raise click.BadParameter(f"each server needs a name of its own: {', '.join(names)}",
                                 param_hint="--server-url")
    return servers


def _report_coverage(config_dir: Path, results: Sequence[Any], settings: Settings,
                     reporter: Reporter, output_format: str, output: Path | None) -> float:
    """Writes the coverage report; returns the total coverage in percent."""
    from workflow_migrator._coverage import directory_coverage
    from workflow_migrator._views.coverage import (
        coverage_json,
        coverage_markdown,
        coverage_text,
    )

    measured = directory_coverage(config_dir, results, settings.app_env)
    text = (coverage_json(measured) if output_format == "json" else
            coverage_markdown(measured, secrets=reporter.secrets)
            if output_format == "markdown" else coverage_text(measured))
    if output is None:
        reporter.result(text)
    else:
        write_file(output, text, settings, reporter)
    return measured.percent


@run_tests_command.command(name="capture", epilog=EXIT_CODES_HELP)
@config_dir_option
@click.option("--execution", "execution_ids", multiple=True, metavar="ID",
              help="A finished execution to capture (repeatable).")
@click.option("--search", default="", metavar="QUERY",
              help="Also capture what the server's search finds, e.g. "
                   "'workflowType=\"order_flow\" AND status=\"COMPLETED\"'.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="At most this many executions found by --search.")
@click.option("--redact", multiple=True, metavar="KEY",
              help="Replace the value of this key wherever it appears (repeatable).")
@click.option("--output", "output_file", required=True,
              type=click.Path(path_type=Path, dir_okay=False),
              help="The test file to write (.yaml, .yml or .json), e.g. DIR/tests/orders.yaml.")
@wait_option
@log_format_option
def capture_command(config_dir: Path, execution_ids: tuple[str, ...], search: str, limit: int,
                    redact: tuple[str, ...], output_file: Path, wait_timeout: float,
                    log_format: LogFormat) -> int:
    """Turn finished executions into a test case file: the input, each task's outcomes in
    order (retries included, sub-workflows followed), the status, output and path.

    Secret values of the environment become their @{NAME} placeholders and --redact keys
    are replaced; each case lists where under `redacted`.
    """
    from workflow_migrator._capture import capture_executions, capture_text

    settings, reporter = start(log_format)
    try:
        name = output_file.resolve().relative_to(config_dir.resolve()).as_posix()
    except ValueError:
        name = output_file.as_posix()
    with make_client(settings) as client:
        client.wait_until_ready(wait_timeout, on_wait=reporter.log)
        captured = capture_executions(config_dir, client, execution_ids=execution_ids,
                                      search=search, limit=limit, redact=redact,
                                      app_env=settings.app_env, output_name=name,
                                      reporter=reporter)
    write_file(output_file, capture_text(captured, output_file.suffix), settings, reporter)
    reporter.result(f"Wrote {len(captured.execution_ids)} case(s) to {output_file}.")
    for where in captured.redacted:
        reporter.result(f"Redacted {where}")
    return EXIT_OK
