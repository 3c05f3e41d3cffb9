"""The migrator image, built from the root Dockerfile and run as a container.

`scripts/migrator-image build` builds it with buildah on a Debian base made locally with
debootstrap (no registry serves a base image here), once per content: an unchanged
checkout reuses the image. podman runs it locked down as the chart's Job runs it, and
tighter: read-only root filesystem with only /tmp writable, the image's non-root user, no
capabilities, no new privileges, and a network that reaches the Conductor under test and
nothing else (tests/support/netns.py).
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.configs import definition_names, names_on_server
from tests.support.netns import loopback_only_network
from tests.support.paths import CONFIG_DIR, REPO_ROOT
from tests.support.stacks import Stack

SCRIPT = REPO_ROOT / "scripts" / "migrator-image"
IMAGE_CONFIG_DIR = "/etc/config/workflow-migrator"  # the Dockerfile's CMD deploys this
LOCKED_DOWN = ["--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp",
               "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
PORT_INSIDE = 8080

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def image() -> str:
    """The image's name in the repository's image store (built when the store lacks it)."""
    result = subprocess.run([str(SCRIPT), "build"], capture_output=True, text=True,
                            timeout=1800, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    name, _, value = result.stdout.strip().splitlines()[-1].partition("=")
    assert name == "MIGRATOR_IMAGE" and value, result.stdout
    return value


@pytest.fixture
def conductor_only(embedded_stack: Stack) -> Iterator[str]:
    """`--network` for a container that reaches the embedded server at 127.0.0.1:8080 only.

    The session's own server, not a shared one: the test asserts that a second run
    changes nothing, which another client of a shared server could make false.
    """
    port = urlsplit(embedded_stack.base_url).port
    assert port is not None
    with loopback_only_network(target=port, port=PORT_INSIDE) as path:
        yield f"ns:{path}"


def podman_run(image: str, *command: str, network: str, entrypoint: str | None = None,
               mounts: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    options = [*LOCKED_DOWN, "--network", network,
               "--env", f"CONDUCTOR_BASE_URL=http://127.0.0.1:{PORT_INSIDE}",
               "--env", "APP_ENV=image-test"]
    for mount in mounts:
        options += ["--volume", mount]
    if entrypoint:
        options += ["--entrypoint", entrypoint]
    return subprocess.run([str(SCRIPT), "podman", "run", "--rm", *options, image, *command],
                          capture_output=True, text=True, timeout=600, check=False)


# The SHA-256 of every file of the installed package and of the baked-in config directory.
CONTENTS = """
import hashlib, json, pathlib, workflow_migrator
def digests(root):
    root = pathlib.Path(root)
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}
print(json.dumps({"package": digests(pathlib.Path(workflow_migrator.__file__).parent),
                  "config": digests("/etc/config/workflow-migrator")}))
"""


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_the_image_holds_this_checkouts_code_and_config(image: str) -> None:
    """A stale build (an old layer reused for changed sources) would fail here."""
    result = podman_run(image, "-c", CONTENTS, network="none", entrypoint="python")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["package"] == _digests(REPO_ROOT / "src" / "workflow_migrator")
    assert seen["config"] == _digests(CONFIG_DIR)


# What a process inside the container sees of its privileges and its filesystem.
PROBE = """
import json, os
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
writable = {}
for path in ("/", "/opt/workflow-migrator", "/etc/config/workflow-migrator", "/var/tmp", "/tmp"):
    try:
        with open(os.path.join(path, "probe"), "w"):
            writable[path] = True
    except OSError as exc:
        writable[path] = exc.strerror
print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
                  "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
                  "no_new_privs": status["NoNewPrivs"].strip(), "writable": writable}))
"""


def test_the_container_is_non_root_unprivileged_and_read_only(image: str) -> None:
    result = podman_run(image, "-c", PROBE, network="none", entrypoint="python")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["uid"] != 0 and seen["gid"] != 0 and 0 not in seen["groups"]
    assert (seen["cap_eff"], seen["cap_bnd"]) == ("0" * 16, "0" * 16)
    assert seen["no_new_privs"] == "1"
    assert seen["writable"] == {
        "/": "Read-only file system",
        "/opt/workflow-migrator": "Read-only file system",
        "/etc/config/workflow-migrator": "Read-only file system",
        "/var/tmp": "Read-only file system",
        "/tmp": True,
    }


# Connects to each address; prints what happened.
CONNECT = """
import json, socket, sys
seen = {}
for host, port in json.loads(sys.argv[1]):
    try:
        socket.create_connection((host, port), timeout=5).close()
        seen[f"{host}:{port}"] = "connected"
    except OSError as exc:
        seen[f"{host}:{port}"] = exc.strerror
print(json.dumps(seen))
"""


@pytest.mark.server
def test_the_network_reaches_the_conductor_and_nothing_else(
    image: str, conductor_only: str
) -> None:
    with socket.socket() as other_service:  # something else listening on the host's loopback
        other_service.bind(("127.0.0.1", 0))
        other_service.listen()
        other_port = other_service.getsockname()[1]
        targets = [["127.0.0.1", PORT_INSIDE], ["127.0.0.1", other_port], ["192.0.2.1", 80]]
        result = podman_run(image, "-c", CONNECT, json.dumps(targets),
                            network=conductor_only, entrypoint="python")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        f"127.0.0.1:{PORT_INSIDE}": "connected",
        f"127.0.0.1:{other_port}": "Connection refused",
        "192.0.2.1:80": "Network is unreachable",
    }


@pytest.mark.server
def test_the_image_validates_and_deploys_config_then_finds_nothing_to_change(
    image: str, conductor_only: str, embedded_stack: Stack
) -> None:
    config = f"{CONFIG_DIR}:{IMAGE_CONFIG_DIR}:ro"

    validated = podman_run(image, "validate", "--config-dir", IMAGE_CONFIG_DIR,
                           network="none", mounts=(config,))
    assert validated.returncode == 0, validated.stdout + validated.stderr

    deployed = podman_run(image, network=conductor_only, mounts=(config,))  # the image's CMD
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert definition_names(CONFIG_DIR) <= names_on_server(embedded_stack.base_url)

    planned = podman_run(image, "plan", "--config-dir", IMAGE_CONFIG_DIR, "--detailed-exitcode",
                         network=conductor_only, mounts=(config,))
    assert planned.returncode == 0, planned.stdout + planned.stderr
