"""``test``: run the workflow test cases of a directory on one server or several, with
their coverage (``test capture``, which writes cases, is ``capture.py``'s)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow_migrator._commands.options import DIRECTORY, FILE, formats, option
from workflow_migrator._commands.result import EXIT_ERROR, EXIT_OK, CommandResult

if TYPE_CHECKING:
    from workflow_migrator._commands.session import Session
    from workflow_migrator._output import Reporter
    from workflow_migrator._workflow_run import CaseResult

OPTIONS = {
    "config_dir": option("--config-dir", type=DIRECTORY,
                         help="Directory holding tests/ next to tasks/ and workflows/ "
                              "(required to run)."),
    "pattern": option("-k", metavar="PATTERN",
                      help="Run only the cases whose file::name or workflow name contains "
                           "PATTERN."),
    "timeout": option("--timeout", type=float, show_default=True,
                      help="Seconds one case may run before it fails as stuck."),
    "jobs": option("--jobs", type=click.IntRange(min=1), show_default=True,
                   help="How many cases run at once."),
    "ui_url": option("--ui-url", metavar="URL",
                     help="The Conductor UI's URL: failures link to "
                          "URL/execution/<workflowId>."),
    "output_format": formats("text", "junit",
                             help="A line per case and the failures, or JUnit XML."),
    "output_file": option("--output", type=FILE,
                          help="With --format junit, write the XML to this file (the text "
                               "report still goes to stdout)."),
    "coverage": option("--coverage", is_flag=True,
                       help="Report which tasks, branches and loop bodies of each workflow "
                            "the cases reached."),
    "coverage_format": option("--coverage-format",
                              type=click.Choice(["text", "json", "markdown"]),
                              show_default=True,
                              help="markdown: each workflow's diagram coloured by coverage, "
                                   "for a pull request."),
    "coverage_output": option("--coverage-output", type=FILE,
                              help="Write the coverage report to this file instead of "
                                   "stdout."),
    "cov_fail_under": option("--cov-fail-under", type=click.FloatRange(0, 100),
                             metavar="PERCENT",
                             help="Exit 1 when the total coverage is below PERCENT (implies "
                                  "--coverage)."),
    "server_urls": option("--server-url", multiple=True, metavar="[NAME=]URL",
                          help="Run every case on this server too (repeatable; instead of "
                               "CONDUCTOR_BASE_URL), e.g. the next Conductor before an "
                               "upgrade. NAME names it in the report (default: the URL)."),
    "server_matrix": option("--server-matrix",
                            type=click.Path(path_type=Path, dir_okay=False, exists=True),
                            help="A YAML file naming the servers to run on: 'NAME: URL' per "
                                 "line."),
}


def test(session: Session, *, config_dir: Path | None = None, pattern: str = "",
         timeout: float = 60.0, jobs: int = 4, ui_url: str = "", output_format: str = "text",
         output_file: Path | None = None, coverage: bool = False,
         coverage_format: str = "text", coverage_output: Path | None = None,
         cov_fail_under: float | None = None, server_urls: tuple[str, ...] = (),
         server_matrix: Path | None = None,
         wait_timeout: float = 300.0) -> CommandResult[list[CaseResult]]:
    """Run the workflow test cases of DIR/tests/ on the server, with mocked workers; with
    several servers (--server-url, --server-matrix), every case on each, reported per
    server.

    Nothing is registered: each case sends its definitions inline and runs under a task
    domain of its own, so the server's workers never see its tasks. Exits 1 when a case fails.
    `test capture` turns finished executions into cases.

    :param config_dir: the directory holding ``tests/`` (required).
    :param pattern: run only the cases whose ``file::name`` or workflow contains it.
    :param timeout: seconds one case may run before it fails as stuck.
    :param jobs: how many cases run at once.
    :param ui_url: the Conductor UI's URL, for links to failed executions.
    :param output_format: ``text`` or ``junit``.
    :param output_file: with ``junit``, the file to write the XML to.
    :param coverage: report what of each workflow the cases reached.
    :param coverage_format: ``text``, ``json`` or ``markdown``.
    :param coverage_output: the file to write the coverage report to.
    :param cov_fail_under: exit 1 when the total coverage is below this percentage.
    :param server_urls: ``[NAME=]URL`` of each server to run on (default: the settings').
    :param server_matrix: a YAML file of ``NAME: URL`` lines, more servers to run on.
    :param wait_timeout: seconds to wait for a server that is still starting.
    :returns: every case's result on every server; exit 1 when one failed.
    """
    if config_dir is None:
        raise click.UsageError("Missing option '--config-dir'.")
    from workflow_migrator._views.case_results import failure_text, results_text
    from workflow_migrator._views.junit import junit_matrix_xml, junit_xml
    from workflow_migrator._workflow_run import run_workflow_tests

    reporter = session.reporter
    session.settings  # noqa: B018 - read now: the credentials are masked from the start
    servers = servers_of(server_urls, server_matrix)
    show_lines = output_format == "text" or output_file is not None
    runs = []
    for name, url in servers or [("", "")]:
        prefix = f"[{name}] " if name else ""
        if name:
            reporter.log(f"Running the workflow tests on {name}", event="server-run",
                         server=name)
        started = time.monotonic()
        with session.client(url) as client:
            ran = run_workflow_tests(
                config_dir, client, app_env=session.app_env, pattern=pattern,
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
            session.write_file(output_file, xml)
    passed = all(r.passed for r in results)
    if coverage or cov_fail_under is not None:
        covered = _report_coverage(session, config_dir, results, coverage_format,
                                   coverage_output)
        if cov_fail_under is not None and covered < cov_fail_under:
            reporter.error(f"coverage {covered:.1f}% is below --cov-fail-under "
                           f"{cov_fail_under:g}%", event="coverage", percent=round(covered, 1))
            return CommandResult(results, EXIT_ERROR)
    return CommandResult(results, EXIT_OK if passed else EXIT_ERROR)


def _show_case(reporter: Reporter, prefix: str) -> Callable[[CaseResult], None]:
    """Shows each case's line as soon as it ends, with the server's name in front."""
    from workflow_migrator._views.case_results import case_line

    return lambda result: reporter.result(prefix + case_line(result))


def servers_of(urls: Sequence[str], matrix: Path | None) -> list[tuple[str, str]]:
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


def _report_coverage(session: Session, config_dir: Path, results: Sequence[CaseResult],
                     output_format: str, output: Path | None) -> float:
    """Writes the coverage report; returns the total coverage in percent."""
    from workflow_migrator._coverage import directory_coverage
    from workflow_migrator._views.coverage import render_coverage

    measured = directory_coverage(config_dir, results, session.app_env)
    text = render_coverage(measured, output_format, secrets=session.reporter.secrets)
    if output is None:
        session.reporter.result(text)
    else:
        session.write_file(output, text)
    return measured.percent
