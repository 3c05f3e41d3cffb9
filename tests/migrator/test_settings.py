"""Settings are read when they are made (when a command runs), not when the package loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflow_migrator import MigratorError, Settings
from workflow_migrator import _environment as environment


def test_secrets_dir_set_after_import_is_read(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "CONDUCTOR_AUTH_TOKEN").write_text("token-from-a-mounted-secret")
    (tmp_path / "CONDUCTOR_BASE_URL").write_text("http://from-file:8080")
    monkeypatch.setenv("CONDUCTOR_SECRETS_DIR", str(tmp_path))

    settings = Settings()

    assert settings.auth_token is not None
    assert settings.auth_token.get_secret_value() == "token-from-a-mounted-secret"
    assert settings.conductor_base_url == "http://from-file:8080"


def test_environment_wins_over_the_secrets_dir(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "CONDUCTOR_BASE_URL").write_text("http://from-file:8080")
    monkeypatch.setenv("CONDUCTOR_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("CONDUCTOR_BASE_URL", "http://from-env:8080")

    assert Settings().conductor_base_url == "http://from-env:8080"


def test_each_settings_reads_the_environment_of_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    first = Settings()
    monkeypatch.setenv("APP_ENV", "production")

    assert (first.app_env, Settings().app_env) == ("staging", "production")


def test_without_a_secrets_dir_nothing_is_read_from_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_SECRETS_DIR", raising=False)

    assert Settings().auth_token is None


def test_every_variable_the_package_names_is_in_the_one_list() -> None:
    """The tests clear ``VARIABLES`` before each test (and from each process they start):
    a variable named anywhere else in the package would let a developer's own setting
    leak into the suite."""
    package = Path(environment.__file__).parent
    named = {name for path in package.rglob("*.py")
             for name in re.findall(r"[\"'](CONDUCTOR_[A-Z_]+|APP_ENV)[\"']", path.read_text())}
    assert named, "the scan found no variable at all"
    assert named <= set(environment.VARIABLES), named - set(environment.VARIABLES)


def test_a_secret_file_is_read_without_its_trailing_newline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "CONDUCTOR_AUTH_SECRET").write_text("s3cret\n")
    monkeypatch.setenv("CONDUCTOR_SECRETS_DIR", str(tmp_path))

    secret = Settings().auth_secret

    assert secret is not None and secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(secret) and "s3cret" not in str(secret)


def test_values_given_in_code_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_BASE_URL", "http://from-env:8080")
    monkeypatch.setenv("CONDUCTOR_REQUEST_TIMEOUT", "5")

    settings = Settings(conductor_base_url="http://from-code:8080")

    assert (settings.conductor_base_url, settings.request_timeout) == ("http://from-code:8080", 5.0)


@pytest.mark.parametrize("value", ["soon", "nan", "0", "-1"])
def test_a_request_timeout_that_is_no_positive_number_is_an_error_naming_the_variable(
        value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_REQUEST_TIMEOUT", value)

    with pytest.raises(MigratorError, match="CONDUCTOR_REQUEST_TIMEOUT"):
        Settings()
