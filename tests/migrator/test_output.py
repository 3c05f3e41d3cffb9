"""The one output seam: every byte the migrator writes is masked, and under JSON logging
every line on stderr is one JSON object."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import cast

import pytest

from workflow_migrator._cli import main
from workflow_migrator._compare import FieldChange
from workflow_migrator._findings import Finding
from workflow_migrator._mask import MASK
from workflow_migrator._output import LogFormat, Reporter
from workflow_migrator._plan import Change, Plan


def reporter(log_format: LogFormat = "json", secrets: tuple[str, ...] = ()) -> Reporter:
    return Reporter("prod", log_format, secrets, out=io.StringIO(), err=io.StringIO())


def written(r: Reporter) -> tuple[str, str]:
    return cast(io.StringIO, r.out).getvalue(), cast(io.StringIO, r.err).getvalue()


def test_a_secret_is_masked_wherever_it_occurs() -> None:
    r = reporter("text", ("hunter2", "4711", 'q"uote', "näh"))
    r.log("token hunter2, inside xhunter2x, number 4711 and 147112")
    r.result('escaped "q\\"uote" and "n\\u00e4h" and raw näh')
    out, err = written(r)
    assert err == "[prod] token ***, inside x***x, number *** and 1***2\n"
    assert out == 'escaped "***" and "***" and raw ***\n'


def test_the_longer_of_two_overlapping_secrets_is_masked_whole() -> None:
    assert reporter(secrets=("abc", "abcdef")).mask("xabcdefx abc") == "x***x ***"


def test_json_output_stays_json_with_numbers_and_keys_masked() -> None:
    r = reporter("json", ("4711", "hunter2"))
    r.result_json({"retryCount": 4711, "big": 947110, "hunter2": ["Bearer hunter2", True, None]})
    r.log("sent", value=4711, nested={"header": "Bearer hunter2"})
    out, err = written(r)
    assert json.loads(out) == {"retryCount": MASK, "big": "9***0", MASK: [f"Bearer {MASK}", True,
                                                                         None]}
    (line,) = err.splitlines()
    record = json.loads(line)
    assert (record["value"], record["nested"], record["app_env"]) == (
        MASK, {"header": f"Bearer {MASK}"}, "prod")


def test_findings_and_errors_are_masked_and_one_json_object_per_line() -> None:
    r = reporter("json", ("owner-secret",))
    r.findings([Finding("tasks/t.json", "ownerEmail", "ownerEmail 'owner-secret' is not an "
                        "e-mail address", "owner-email")])
    r.error("the server said: owner-secret\nis bad")
    _, err = written(r)
    records = [json.loads(line) for line in err.splitlines()]
    assert [(x["level"], x.get("rule")) for x in records] == [("error", "owner-email"),
                                                              ("error", None)]
    assert "owner-secret" not in err and MASK in records[0]["message"]


def test_a_rotated_secret_is_masked_on_both_sides_of_a_change() -> None:
    """The live value is the secret's previous value, which no longer appears anywhere
    in the directory: the change of a field that holds a secret shows neither side."""
    r = reporter("text", ("new-token",))
    field = FieldChange("headers.Authorization", "Bearer old-token", "Bearer new-token")
    r.plan(Plan((Change("update", "task", "t", None, "content differs", fields=(field,)),)))
    out, _ = written(r)
    assert 'headers.Authorization: "***" -> "Bearer ***"' in out
    assert "old-token" not in out and "new-token" not in out


def test_stray_output_goes_through_the_reporter() -> None:
    r = reporter("json", ("hunter2",))
    with r.capture():
        print("a library printed hunter2")
        print("and complained about hunter2", file=sys.stderr)
    out, err = written(r)
    assert out == f"a library printed {MASK}\n"
    (line,) = err.splitlines()
    assert json.loads(line)["message"] == f"and complained about {MASK}"


def test_usage_errors_are_json_lines_under_json_logging(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config-dir", ".", "--log-format", "json", "--bogus"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["level"] == "error" and "--bogus" in line


def test_validate_masks_secrets_in_findings_in_every_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text(
        "values: {EMAIL: not-an-address-8d1f, RETRIES: -918273}\nsecret: [EMAIL, RETRIES]\n")
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text(json.dumps(
        {"name": "t", "ownerEmail": "@{EMAIL}", "retryCount": "@{RETRIES}"}))
    monkeypatch.setenv("APP_ENV", "prod")
    for args in (["--format", "text"], ["--format", "json"], ["--log-format", "json"]):
        assert main(["validate", "--config-dir", str(tmp_path), *args]) == 1
        out, err = capsys.readouterr()
        assert "not-an-address-8d1f" not in out + err and "918273" not in out + err
        assert f"ownerEmail '{MASK}'" in out and f"not {MASK}" in out


def test_an_unexpected_error_is_masked_and_exits_3(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text(
        "values: {TOKEN: tok-5c3a9e}\nsecret: [TOKEN]\n")
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "t.json").write_text('{"name": "t", "description": "@{TOKEN}"}')
    monkeypatch.setenv("APP_ENV", "prod")

    def bug(findings: object) -> object:  # a defect that quotes a secret in its message
        raise KeyError("tok-5c3a9e")

    monkeypatch.setattr("workflow_migrator._views.findings.findings_document", bug)
    assert main(["validate", "--config-dir", str(tmp_path), "--format", "json",
                 "--log-format", "json"]) == 3
    out, err = capsys.readouterr()
    (line,) = err.splitlines()
    assert json.loads(line)["message"] == ("An unexpected error occurred (KeyError: '***'). "
                                           "This is a bug.")
    assert "tok-5c3a9e" not in out + err


def test_one_masking_function_serves_text_documents_and_numbers() -> None:
    from workflow_migrator._mask import masked

    secrets = ["hunter2", "4711"]
    assert masked("xhunter2x", secrets) == f"x{MASK}x"
    assert masked({"hunter2": [47110, "a hunter2", True, None, 1.5]}, secrets) == {
        MASK: [f"{MASK}0", f"a {MASK}", True, None, 1.5]}
    assert masked('"q\\"uote"', ['q"uote']) == f'"{MASK}"'  # JSON-escaped, as written
    assert masked("as is", []) == "as is"
    r = reporter(secrets=tuple(secrets))
    assert r.mask({"n": 4711}) == masked({"n": 4711}, secrets) == {"n": MASK}


def test_a_null_reporter_writes_nothing_but_learns_the_secrets() -> None:
    from workflow_migrator._output import NullReporter

    null = NullReporter()
    null.add_secrets(["s3cret"])
    null.result("s3cret")
    null.result_json({"a": 1})
    null.log("x")
    null.error("x")
    null.findings([Finding("f", "p", "m", "r")])
    null.plan(Plan((Change("create", "task", "t", None, "new"),)))
    null.applied(Change("create", "task", "t", None, "new"))
    assert written(null) == ("", "")
    assert null.secrets == frozenset({"s3cret"}) and null.mask("a s3cret") == f"a {MASK}"
