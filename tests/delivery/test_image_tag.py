"""scripts/image-tag: the one place each image's version tag is read from."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "image-tag"
SOURCES = ["scripts/image-tag", "docker/server/Dockerfile", "docker/ui/Dockerfile",
           "pyproject.toml"]


def image_tag(component: str, root: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / "scripts" / "image-tag"), component],
        capture_output=True, text=True, check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the files the script reads, to change versions without touching the repo."""
    for relative in SOURCES:
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / relative, target)
    return tmp_path


def test_prints_the_seed_tags() -> None:
    assert image_tag("server").stdout == "v1.1.12\n"
    assert image_tag("ui").stdout == "v1.0.0\n"


def test_prints_the_package_version_for_the_migrator() -> None:
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert image_tag("migrator").stdout == f"{version}\n"


def test_runs_as_an_executable_as_the_workflows_call_it() -> None:
    result = subprocess.run([str(SCRIPT), "server"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, "v1.1.12\n")


@pytest.mark.parametrize(("component", "relative", "pattern", "new", "expected"), [
    ("server", "docker/server/Dockerfile", r"^ARG ORKES_CONDUCTOR_VERSION=v1\.1\.12$",
     "ARG ORKES_CONDUCTOR_VERSION=v1.1.13", "v1.1.13"),
    ("ui", "docker/ui/Dockerfile", r"^ARG UI_IMAGE_VERSION=v1\.0\.0$",
     "ARG UI_IMAGE_VERSION=v1.0.1", "v1.0.1"),
    ("migrator", "pyproject.toml", r'^version = "[^"]+"$', 'version = "0.2.0"', "0.2.0"),
])
def test_changing_the_version_in_its_one_place_changes_the_tag(
    copy: Path, component: str, relative: str, pattern: str, new: str, expected: str,
) -> None:
    path = copy / relative
    text, count = re.subn(pattern, new, path.read_text(), count=1, flags=re.M)
    assert count == 1, f"{relative} no longer has a line matching {pattern}"
    path.write_text(text)
    assert image_tag(component, copy).stdout == f"{expected}\n"
    assert image_tag(component).stdout != f"{expected}\n"  # the repository is untouched


def test_a_literal_label_is_read_as_is(copy: Path) -> None:
    (copy / "docker/ui/Dockerfile").write_text(
        'FROM scratch\nLABEL org.opencontainers.image.version="v2.0.0"\n'
    )
    assert image_tag("ui", copy).stdout == "v2.0.0\n"


def test_without_a_label_the_single_version_arg_is_read(copy: Path) -> None:
    (copy / "docker/ui/Dockerfile").write_text("ARG UI_VERSION=v3.0.0\nFROM scratch\n")
    assert image_tag("ui", copy).stdout == "v3.0.0\n"


@pytest.mark.parametrize(("dockerfile", "message"), [
    ("FROM scratch\n", "not exactly one"),
    ("ARG A_VERSION=1\nARG B_VERSION=2\nFROM scratch\n", "not exactly one"),
    ('FROM scratch\nLABEL org.opencontainers.image.version="${MISSING}"\n', "ARG MISSING"),
    ('FROM scratch\nLABEL org.opencontainers.image.version="v1 2"\n', "not a valid image tag"),
])
def test_refuses_rather_than_guessing(copy: Path, dockerfile: str, message: str) -> None:
    (copy / "docker/ui/Dockerfile").write_text(dockerfile)
    result = image_tag("ui", copy)
    assert result.returncode == 1
    assert result.stdout == ""
    assert message in result.stderr


def test_rejects_an_unknown_component() -> None:
    result = image_tag("nginx")
    assert result.returncode == 2
    assert "usage: image-tag <server|ui|migrator>" in result.stderr
