"""How ``test capture`` keeps secrets out of a captured case (the server tests capture
real executions: tests/migrator/server/test_capture.py): a secret becomes its
placeholder whole or inside a text, a secret object's parts are redacted, a --redact
key's value is replaced, a literal ``@{`` stays literal, and the case lists where."""

from __future__ import annotations

from pathlib import Path

import yaml

from workflow_migrator._capture import Capture, _Redactor, _secret_placeholders, capture_text


def test_secrets_and_redacted_keys_are_replaced_and_listed(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yaml").write_text(
        "values: {TOKEN: tok-123456, DB: {user: admin-x, password: pw-98765}, PLAIN: hi}\n"
        "secret: [TOKEN, DB]\n")
    redactor = _Redactor(_secret_placeholders(tmp_path, "prod"), frozenset({"email"}))
    case = redactor.case({
        "name": "execution 1",
        "input": {"auth": "Bearer tok-123456", "email": "a@example.com", "greeting": "hi",
                  "template": "Dear @{name}"},
        "tasks": {"login": {"status": "COMPLETED",
                            "output": {"db": "pw-98765", "token": "tok-123456"}}},
    })
    assert case["input"] == {"auth": "Bearer @{TOKEN}", "email": "REDACTED",
                             "greeting": "hi", "template": "Dear @@{name}"}
    assert case["tasks"]["login"]["output"] == {"db": "REDACTED", "token": "@{TOKEN}"}
    assert case["redacted"] == ["input.auth (secret)", "input.email (--redact email)",
                                "tasks.login.output.db (secret)",
                                "tasks.login.output.token (secret)"]
    text = capture_text(Capture([{"workflow": "w", "cases": [case]}], ("1",),
                                tuple(redactor.where)), ".yaml")
    assert "tok-123456" not in text and "pw-98765" not in text and "admin" not in text
    assert yaml.safe_load(text)["cases"][0] == case
    assert text.startswith("# Captured by `workflow-migrator test capture` from execution(s) 1.")
