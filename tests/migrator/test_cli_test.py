"""``_commands/test.py``: which servers ``test`` runs on (``--server-url``, ``--server-matrix``),
refused before any server is asked when they cannot be told apart or read."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow_migrator._cli import main
from workflow_migrator._commands.test import servers_of as _servers


def test_servers_are_named_by_name_or_url(tmp_path: Path) -> None:
    matrix = tmp_path / "m.yaml"
    matrix.write_text("next: http://127.0.0.1:2/\n")
    assert _servers(["prod=http://127.0.0.1:1/?a=b", "http://127.0.0.1:3/?x=y"], matrix) == [
        ("prod", "http://127.0.0.1:1/?a=b"), ("http://127.0.0.1:3/?x=y",
                                               "http://127.0.0.1:3/?x=y"),
        ("next", "http://127.0.0.1:2/")]
    assert _servers([], None) == []


@pytest.mark.parametrize(("args", "matrix", "message"), [
    (["--server-url", "a=http://127.0.0.1:1", "--server-url", "a=http://127.0.0.1:2"], None,
     "each server needs a name of its own"),
    ([], "- http://127.0.0.1:1\n", "expected 'NAME: URL' lines"),
    ([], "a: [1\n", "cannot read"),
])
def test_servers_that_cannot_be_told_apart_or_read_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        matrix: str | None, message: str) -> None:
    (tmp_path / "tests").mkdir()
    if matrix is not None:
        (tmp_path / "m.yaml").write_text(matrix)
        args = [*args, "--server-matrix", str(tmp_path / "m.yaml")]
    assert main(["test", "--config-dir", str(tmp_path), *args]) == 1
    assert message in capsys.readouterr().err
