"""Invariants of the two Dockerfiles, read with dockerfile-parse (no Docker engine here)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.images import MIGRATOR_DOCKERFILE, SERVER_DIR, SERVER_DOCKERFILE
from tests.support.paths import REPO_ROOT
from tests.support.tools import tool

DOCKERFILES = [SERVER_DOCKERFILE, MIGRATOR_DOCKERFILE]
DIGEST_PINNED = re.compile(r"^[\w.\-/:]+:[\w.\-]+@sha256:[0-9a-f]{64}$")
ARG_REFERENCE = re.compile(r"\$\{?(?P<name>\w+)\}?")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE", re.I)
# The line the README (and docs/server-image.md) must carry; the Dockerfile's ARG must agree.
VERSION_LINE = re.compile(r"^Orkes Conductor Version: \*\*(v[0-9][^*]*)\*\*$", re.M)


@dataclass
class Stage:
    #: The FROM image with the global ARGs' defaults put in (what a plain build uses).
    base: str
    name: str | None
    #: The FROM image as written (`${BASE_IMAGE}` when a build argument chooses it).
    written: str = ""
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [value for kind, value in self.instructions if kind == instruction]


def parse(path: Path) -> tuple[list[tuple[str, str]], list[Stage]]:
    """Global instructions (before the first FROM) and the stages, in order."""
    structure = DockerfileParser(path=str(path)).structure
    preamble: list[tuple[str, str]] = []
    stages: list[Stage] = []
    for item in structure:
        kind, value = item["instruction"], item["value"]
        if kind == "COMMENT":
            continue
        if kind == "FROM":
            words = value.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            base = ARG_REFERENCE.sub(lambda m: args_of(preamble).get(m["name"], m[0]), words[0])
            stages.append(Stage(base=base, name=name, written=words[0]))
        elif stages:
            stages[-1].instructions.append((kind, value))
        else:
            preamble.append((kind, value))
    return preamble, stages


def key_values(value: str) -> dict[str, str]:
    """`A=1 B="x y"` (ENV, LABEL, ARG) as a dict; a bare ARG name maps to ''."""
    pairs = {}
    for word in shlex.split(value):
        name, _, default = word.partition("=")
        pairs[name] = default
    return pairs


def args_of(instructions: list[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for kind, value in instructions:
        if kind == "ARG":
            merged.update(key_values(value))
    return merged


def server_version() -> str:
    preamble, _ = parse(SERVER_DOCKERFILE)
    return args_of(preamble)["ORKES_CONDUCTOR_VERSION"]


# ---------------------------------------------------------------------------- both images


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
class TestBothImages:
    def test_hadolint_reports_nothing(self, dockerfile: Path) -> None:
        result = subprocess.run(
            [tool("hadolint"), "--no-color", str(dockerfile)], capture_output=True, text=True,
            check=False,
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, "")

    def test_every_base_image_is_pinned_by_digest(self, dockerfile: Path) -> None:
        _, stages = parse(dockerfile)
        assert stages
        for stage in stages:
            assert DIGEST_PINNED.match(stage.base), stage.base
            assert ":latest@" not in stage.base

    def test_final_stage_runs_as_a_numeric_non_root_user(self, dockerfile: Path) -> None:
        _, stages = parse(dockerfile)
        users = stages[-1].values("USER")
        assert users, "the final stage sets no USER"
        uid, _, gid = users[-1].partition(":")
        assert uid.isdigit() and int(uid) != 0
        assert gid == "" or (gid.isdigit() and int(gid) != 0)

    def test_entrypoint_and_cmd_are_exec_form(self, dockerfile: Path) -> None:
        _, stages = parse(dockerfile)
        final = stages[-1]
        assert final.values("ENTRYPOINT")
        for value in final.values("ENTRYPOINT") + final.values("CMD"):
            assert isinstance(json.loads(value), list), value

    def test_no_secret_in_env_or_arg(self, dockerfile: Path) -> None:
        preamble, stages = parse(dockerfile)
        instructions = preamble + [i for stage in stages for i in stage.instructions]
        for kind, value in instructions:
            if kind in ("ENV", "ARG"):
                for name, default in key_values(value).items():
                    assert not SECRET_NAME.search(name), f"{kind} {name}"
                    assert not re.search(r"(?i)password|secret", default), f"{kind} {name}"

    def test_conductor_config_file_is_never_set(self, dockerfile: Path) -> None:
        preamble, stages = parse(dockerfile)
        instructions = preamble + [i for stage in stages for i in stage.instructions]
        assert not [i for i in instructions if "CONDUCTOR_CONFIG_FILE" in i[1]]


# ---------------------------------------------------------------------------- server image


def test_server_version_is_an_arg_default_with_its_commit() -> None:
    preamble, stages = parse(SERVER_DOCKERFILE)
    args = args_of(preamble)
    assert re.fullmatch(r"v\d+\.\d+\.\d+", args["ORKES_CONDUCTOR_VERSION"])
    assert re.fullmatch(r"[0-9a-f]{40}", args["ORKES_CONDUCTOR_COMMIT"])
    # defined once, at the top; the stages only re-declare it
    for stage in stages:
        assert args_of(stage.instructions).get("ORKES_CONDUCTOR_VERSION", "") == ""
        for _, env in [i for i in stage.instructions if i[0] == "ENV"]:
            assert "ORKES_CONDUCTOR_VERSION" not in key_values(env)


@pytest.mark.parametrize("document", ["README.md", "docs/server-image.md"])
def test_server_version_matches_the_documented_version(document: str) -> None:
    assert VERSION_LINE.findall((REPO_ROOT / document).read_text()) == [server_version()]


def test_server_builds_from_the_tag_and_applies_the_patches() -> None:
    _, (build, runtime) = parse(SERVER_DOCKERFILE)
    runs = " ".join(build.values("RUN"))
    assert '--branch "${ORKES_CONDUCTOR_VERSION}"' in runs
    assert '"${ORKES_CONDUCTOR_COMMIT}"' in runs
    assert "git apply --verbose /patches/*.patch" in runs
    assert "./gradlew" in runs
    assert "eclipse-temurin:17-jdk" in build.base
    assert "eclipse-temurin:17-jre" in runtime.base


def test_server_runtime_is_the_jvm_alone_as_pid_1() -> None:
    _, stages = parse(SERVER_DOCKERFILE)
    runtime = stages[-1]
    entrypoint = json.loads(runtime.values("ENTRYPOINT")[-1])
    assert entrypoint[0] == "java"
    assert entrypoint[-2:] == ["-jar", "/app/server.jar"]
    assert not runtime.values("CMD")
    text = SERVER_DOCKERFILE.read_text()
    assert "nginx" not in " ".join(v for _, v in runtime.instructions)
    assert "-Xmx" not in text


def test_server_memory_follows_the_container_limit() -> None:
    _, stages = parse(SERVER_DOCKERFILE)
    env: dict[str, str] = {}
    for value in stages[-1].values("ENV"):
        env.update(key_values(value))
    assert re.search(r"-XX:MaxRAMPercentage=\d+", env["JDK_JAVA_OPTIONS"])


def test_server_logs_to_the_console_only() -> None:
    _, stages = parse(SERVER_DOCKERFILE)
    entrypoint = json.loads(stages[-1].values("ENTRYPOINT")[-1])
    assert "-Dlogging.config=/app/logback.xml" in entrypoint
    logback = (SERVER_DIR / "logback.xml").read_text()
    appenders = re.findall(r'<appender [^>]*class="([^"]+)"', logback)
    assert appenders == ["ch.qos.logback.core.ConsoleAppender"]


def test_server_only_writes_to_tmp() -> None:
    _, stages = parse(SERVER_DOCKERFILE)
    runtime = stages[-1]
    entrypoint = json.loads(runtime.values("ENTRYPOINT")[-1])
    assert "-Djava.io.tmpdir=/tmp" in entrypoint
    assert not runtime.values("VOLUME")
    for copy in runtime.values("COPY"):
        assert "--chown=root:root" in copy and "--chmod=0444" in copy


def test_server_exposes_8080_with_a_readiness_healthcheck_and_oci_labels() -> None:
    preamble, stages = parse(SERVER_DOCKERFILE)
    runtime = stages[-1]
    assert runtime.values("EXPOSE") == ["8080"]
    (healthcheck,) = runtime.values("HEALTHCHECK")
    assert "http://127.0.0.1:8080/actuator/health/readiness" in healthcheck
    assert "CMD [" in healthcheck
    labels: dict[str, str] = {}
    for value in runtime.values("LABEL"):
        labels.update(key_values(value))
    assert labels["org.opencontainers.image.version"] == "${ORKES_CONDUCTOR_VERSION}"
    assert labels["org.opencontainers.image.revision"] == "${ORKES_CONDUCTOR_COMMIT}"
    assert labels["org.opencontainers.image.source"].startswith("https://github.com/")
    assert labels["org.opencontainers.image.licenses"]
    expected = {"ORKES_CONDUCTOR_VERSION", "ORKES_CONDUCTOR_COMMIT"}
    assert expected <= set(args_of(runtime.instructions))


# ---------------------------------------------------------------------------- migrator image


def test_migrator_entrypoint_and_default_command() -> None:
    _, stages = parse(MIGRATOR_DOCKERFILE)
    runtime = stages[-1]
    assert json.loads(runtime.values("ENTRYPOINT")[-1]) == ["workflow-migrator"]
    assert json.loads(runtime.values("CMD")[-1]) == [
        "deploy", "--config-dir", "/etc/config/workflow-migrator",
    ]
    assert any(
        copy.split()[-2:] == ["config/", "/etc/config/workflow-migrator/"]
        for copy in runtime.values("COPY")
    )


def test_migrator_base_is_one_build_argument_defaulting_to_the_pinned_python() -> None:
    preamble, stages = parse(MIGRATOR_DOCKERFILE)
    assert [stage.written for stage in stages] == ["${BASE_IMAGE}", "${BASE_IMAGE}"]
    assert args_of(preamble)["BASE_IMAGE"].startswith("python:3.12-slim@sha256:")
    # declared once, before the first FROM: no stage re-declares or overrides it
    for stage in stages:
        assert "BASE_IMAGE" not in args_of(stage.instructions)


def test_migrator_is_a_wheel_installed_by_the_shared_script() -> None:
    _, (build, runtime) = parse(MIGRATOR_DOCKERFILE)
    assert build.base == runtime.base, "the venv must be built on the runtime's own Python"
    assert "python -m pip wheel --no-cache-dir --no-deps --wheel-dir /dist ." in build.values("RUN")
    (install,) = [run for run in runtime.values("RUN") if "install-migrator" in run]
    assert "source=scripts/install-migrator" in install
    assert "python -m venv /opt/workflow-migrator" in install
    assert "install-migrator /opt/workflow-migrator /dist/*.whl" in install


def test_migrator_runtime_has_no_compiler_installed() -> None:
    _, stages = parse(MIGRATOR_DOCKERFILE)
    runs = " ".join(stages[-1].values("RUN"))
    assert "slim" in stages[-1].base
    assert not re.search(r"apt-get|apk|gcc|build-essential|g\+\+|make\b", runs)


def test_dockerignore_keeps_the_context_to_what_the_image_needs() -> None:
    lines = [
        line for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[0] == "*"
    assert set(lines) >= {"!pyproject.toml", "!README.md", "!src/", "!scripts/install-migrator",
                          "!config/"}
    for excluded in ("tests", ".venv", "charts", ".git", "docker"):
        assert f"!{excluded}" not in " ".join(lines)
