"""The parts of scripts/conductor_stack that need no server: arguments, the properties
files, the status output and the PID bookkeeping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

from conductor_stack import cli, commands, jdk  # noqa: E402
from conductor_stack.base import StackError  # noqa: E402
from conductor_stack.jars import SERVER_BUILDS, ServerBuild, maven_get, maven_path  # noqa: E402
from conductor_stack.profiles import PROFILES  # noqa: E402
from conductor_stack.state import Service, State  # noqa: E402


def test_every_profile_is_offered_and_up_defaults_to_embedded() -> None:
    args = cli.build_parser().parse_args(["up"])
    assert args.profile == "embedded"
    for name in ("embedded", "redis-postgres", "production-core"):
        assert cli.build_parser().parse_args(["up", "--profile", name]).profile == name
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["up", "--profile", "cassandra"])
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["run-server"])  # --port is required


def test_the_profiles_run_the_builds_they_name() -> None:
    assert PROFILES["production-core"].build.coordinates == \
        "com.netflix.conductor:conductor-server:3.15.0:jar:boot"
    assert PROFILES["production-core"].build.java_min == 17
    assert PROFILES["embedded"].build is SERVER_BUILDS["oss"]
    assert SERVER_BUILDS["oss"].jar_path().name == "conductor-server-3.32.3-boot.jar"
    for profile in PROFILES.values():
        assert profile.properties is None or profile.properties.is_file(), profile.name


def _settings(path: Path) -> list[tuple[str, list[str]]]:
    """Each setting of a properties file with the comment block right above it."""
    found, comments = [], []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            comments.append(line)
        elif line.strip():
            found.append((line.split("=", 1)[0], comments))
            comments = []
        else:
            comments = []
    return found


def test_every_core_setting_says_which_orkes_default_it_mirrors() -> None:
    settings = _settings(REPO_ROOT / "docker/server/config/conductor-core.properties")
    assert len(settings) > 15
    missing = [name for name, comments in settings if not any("Orkes" in c for c in comments)]
    assert missing == []
    names = {name for name, _ in settings}
    # The behaviour production relies on, as the Orkes jar sets it.
    assert {"conductor.db.type", "conductor.queue.type", "conductor.app.owner-email-mandatory",
            "loadSample", "conductor.app.workflow-execution-lock-enabled",
            "conductor.indexing.enabled"} <= names


def test_java_versions_are_read_from_both_version_styles() -> None:
    assert jdk.parse_java_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert jdk.parse_java_version('java version "1.8.0_412"') == 8
    assert jdk.parse_java_version("no java here") is None


def _state(tmp_path: Path) -> State:
    state = State(state_dir=tmp_path, profile="redis-postgres", port=8080, server_pid=4242,
                  jar="/jars/conductor-server-3.32.3-boot.jar", redis_mode="standalone",
                  server_env={"CONDUCTOR_REDIS_HOSTS": "127.0.0.1:7000:local",
                              "SPRING_DATASOURCE_PASSWORD": "s3cr3t-value"})
    state.services = [Service("redis", 4100, 7000, "redis-server", "/logs/redis.log")]
    return state


def test_status_names_each_service_and_masks_the_password(tmp_path: Path) -> None:
    lines = dict(commands.status_lines(_state(tmp_path)))
    assert lines["REDIS_PID"] == "4100" and lines["REDIS_PORT"] == "7000"
    assert lines["REDIS_LOG"] == "/logs/redis.log" and lines["REDIS_MODE"] == "standalone"
    assert lines["CONDUCTOR_REDIS_HOSTS"] == "127.0.0.1:7000:local"
    assert lines["SPRING_DATASOURCE_PASSWORD"] == "****"
    assert "s3cr3t-value" not in repr(lines)


def test_state_survives_a_round_trip_readable_by_its_owner_only(tmp_path: Path) -> None:
    state = _state(tmp_path)
    state.save()
    assert (tmp_path / "stack.json").stat().st_mode & 0o777 == 0o600
    loaded = State.load(tmp_path)
    assert loaded == state
    # The server is stopped first, then the services in the reverse order of their start.
    state.add(Service("postgres", 4200, 7100, "postgres"))
    assert [name for name, _, _ in state.processes()] == ["conductor server", "postgres", "redis"]


def test_a_reused_pid_is_not_taken_for_the_process_the_stack_started(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    proc = Path(f"/proc/{sleeper.pid}")

    def seen() -> str:
        """What the check reads, said when it fails: the command line and the state."""
        return f"{(proc / 'cmdline').read_bytes()!r} {(proc / 'stat').read_text()!r}"

    try:
        # Its command line, once the child has become `sleep` (a loaded machine may show
        # the parent's, or none, for a moment).
        deadline = time.monotonic() + 10
        while b"sleep" not in (proc / "cmdline").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        state = _state(tmp_path)
        state.server_pid = 0
        state.services = [Service("redis", sleeper.pid, 7000, "redis-server")]
        assert state.running() == []  # alive, but not a redis-server: not ours
        state.services = [Service("sleeper", sleeper.pid, 0, "sleep")]
        assert [name for name, _, _ in state.running()] == ["sleeper"], seen()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert state.running() == []


def test_the_script_is_a_thin_entry_point() -> None:
    script = (REPO_ROOT / "scripts" / "conductor-stack").read_text()
    assert len(script.splitlines()) < 25
    assert re.search(r"from conductor_stack\.cli import main", script)
    assert os.access(REPO_ROOT / "scripts" / "conductor-stack", os.X_OK)
    longest = max(len(p.read_text().splitlines())
                  for p in (REPO_ROOT / "scripts" / "conductor_stack").glob("*.py"))
    assert longest <= 400


def test_redis_topologies_are_offered_and_tls_is_refused_for_the_production_core() -> None:
    args = cli.build_parser().parse_args(["up", "--profile", "production-core",
                                          "--redis", "sentinel", "--redis-password"])
    assert (args.redis, args.redis_password, args.redis_tls) == ("sentinel", True, False)
    assert cli.build_parser().parse_args(["up"]).redis == "standalone"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["up", "--redis", "dynomite"])
    with pytest.raises(StackError, match="no conductor.redis.ssl"):
        commands.check_redis_options(PROFILES["production-core"], "standalone", True, False)
    with pytest.raises(StackError, match="runs no Redis"):
        commands.check_redis_options(PROFILES["embedded"], "sentinel", False, False)
    commands.check_redis_options(PROFILES["production-core"], "cluster", False, True)


def test_status_masks_the_redis_password_in_the_host_list() -> None:
    from conductor_stack.server import masked

    hosts = "127.0.0.1:1:local:s3cret;127.0.0.1:2:local:s3cret"
    assert masked("CONDUCTOR_REDIS_HOSTS", hosts) == \
        "127.0.0.1:1:local:****;127.0.0.1:2:local:****"
    assert masked("CONDUCTOR_REDIS_HOSTS", "h:1:local") == "h:1:local"
    assert masked("CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD", "s3cret") == "****"


def test_the_core_runs_with_the_metrics_jars_through_the_properties_launcher() -> None:
    from conductor_stack.server import ServerLaunch

    build = PROFILES["production-core"].build
    assert "io.micrometer:micrometer-registry-prometheus:1.9.15" in build.extra_jars
    command = ServerLaunch(PROFILES["production-core"], "java", build.jar_path()).command(
        8080, Path("/state"))
    assert command[command.index("-cp") + 1] == str(build.jar_path())
    assert "org.springframework.boot.loader.PropertiesLauncher" in command
    loader = next(a for a in command if a.startswith("-Dloader.path="))
    assert [Path(p).name for p in loader.split("=", 1)[1].split(",")] == \
        [p.name for p in build.extra_jar_paths()]
    assert "-jar" in ServerLaunch(PROFILES["embedded"], "java",
                                  PROFILES["embedded"].build.jar_path()).command(
        8080, Path("/state"))


def test_fetch_gets_only_what_the_named_profile_runs(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`make demo` runs the embedded profile: `fetch --profile embedded` must not download
    3.15.0 and its metrics jars. The download itself is replaced by a recorder."""
    fetched: list[str] = []

    def fetch_jar(build: ServerBuild) -> Path:
        fetched.append(build.key)
        return Path(f"/jars/{build.key}.jar")

    monkeypatch.setattr(commands, "fetch_jar", fetch_jar)
    monkeypatch.setattr(commands, "java_for", lambda version: f"/java{version}")
    assert cli.main(["fetch", "--profile", "embedded"]) == 0
    assert fetched == ["oss"]
    assert "CONDUCTOR_CORE_JAR" not in capsys.readouterr().out
    fetched.clear()
    assert cli.main(["fetch", "--profile", "production-core"]) == 0
    assert fetched == ["core"]
    fetched.clear()
    assert cli.main(["fetch"]) == 0
    assert sorted(fetched) == ["core", "oss"]
    demo = (REPO_ROOT / "Makefile").read_text().split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "$(STACK) fetch --profile embedded" in demo
    assert "up --profile embedded --reuse" in demo


def test_the_help_says_what_up_keeps_after_a_crash() -> None:
    text = cli.build_parser().format_help()
    assert "After a crash" in text and "keeps its data" in text and "old port" in text
    assert "--reuse" in text


def test_a_jar_is_downloaded_into_the_repository_of_home_whatever_the_user_database_says(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A CI runner or container may set a $HOME other than the user's home in the user
    database, which is the one the JVM (so mvn) takes: the jar must still land where it
    is looked for. A small jar, downloaded for real from Maven Central into an empty
    repository (mvn fetches its dependency plugin too: some seconds)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    jar = maven_path("io.prometheus", "simpleclient", "0.15.0")
    assert jar.is_relative_to(tmp_path) and not jar.exists()

    assert maven_get("io.prometheus:simpleclient:0.15.0", jar) == jar
    assert jar.is_file() and jar.stat().st_size > 0
