"""The parts of scripts/migrator_image that need no root and no engine: what the image's tag
covers (so that it is rebuilt exactly when its inputs change), the pip settings a build gets,
and the engine configuration written under the tools folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))

from migrator_image import build, debian, engine  # noqa: E402


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the image's build reads, plus files it must not read."""
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md"):
        shutil.copyfile(REPO_ROOT / name, root / name)
    for name in ("src", "config"):
        shutil.copytree(REPO_ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (root / "scripts").mkdir()
    shutil.copy2(REPO_ROOT / "scripts" / "install-migrator", root / "scripts")
    (root / "tests").mkdir()
    (root / "tests" / "test_x.py").write_text("x = 1\n")
    return root


def test_the_context_is_what_dockerignore_lets_in(checkout: Path) -> None:
    cache = checkout / "src" / "workflow_migrator" / "__pycache__"
    cache.mkdir()
    (cache / "x.cpython-311.pyc").write_bytes(b"\0")
    (checkout / "src" / "workflow_migrator.egg-info").mkdir()
    (checkout / "src" / "workflow_migrator.egg-info" / "PKG-INFO").write_text("x")
    files = {p.relative_to(checkout).as_posix() for p in build.context_files(checkout)}
    assert {"pyproject.toml", "README.md", "scripts/install-migrator",
            "src/workflow_migrator/__init__.py", "config/workflows/ol_order_fulfilment.json"
            } <= files
    assert not [f for f in files if "__pycache__" in f or "egg-info" in f or
                f.startswith(("tests/", "Dockerfile"))]


def test_the_repository_context_has_no_stray_files() -> None:
    files = build.context_files()
    tops = {p.relative_to(REPO_ROOT).parts[0] for p in files}
    assert tops == {"pyproject.toml", "README.md", "src", "scripts", "config"}


@pytest.mark.parametrize("changed", [
    "Dockerfile", "pyproject.toml", "README.md", "src/workflow_migrator/__init__.py",
    "config/workflows/ol_order_fulfilment.json", "scripts/install-migrator",
])
def test_the_tag_changes_with_every_input(checkout: Path, changed: str) -> None:
    before = build.content_tag("localhost/base:1", checkout)
    with (checkout / changed).open("a") as handle:
        handle.write("\n")
    assert build.content_tag("localhost/base:1", checkout) != before


def test_the_tag_changes_with_the_base_and_the_executable_bit(checkout: Path) -> None:
    before = build.content_tag("localhost/base:1", checkout)
    assert build.content_tag("localhost/base:2", checkout) != before
    (checkout / "scripts" / "install-migrator").chmod(0o644)
    assert build.content_tag("localhost/base:1", checkout) != before


def test_the_tag_ignores_what_the_build_never_reads(checkout: Path) -> None:
    before = build.content_tag("localhost/base:1", checkout)
    (checkout / "tests" / "test_x.py").write_text("x = 2\n")
    (checkout / "src" / "workflow_migrator" / "__pycache__").mkdir()
    (checkout / "src" / "workflow_migrator" / "__pycache__" / "y.pyc").write_bytes(b"1")
    (checkout / "charts").mkdir()
    assert build.content_tag("localhost/base:1", checkout) == before
    assert before.startswith(f"{build.IMAGE}:")


def test_pip_gets_the_callers_index_settings_and_ca_through_paths_every_base_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    global_conf = tmp_path / "pip.conf"
    global_conf.write_text("[global]\ntrusted-host = a.example\n  b.example\n"
                           "timeout = 60\nno-cache-dir = true\n")
    monkeypatch.setattr(build, "GLOBAL_PIP_FILES", (global_conf,))
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "home")
    for name in ("PIP_CONFIG_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
                 *("PIP_" + key.upper().replace("-", "_") for key in build.PIP_KEYS)):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.example/simple")
    monkeypatch.setenv("PIP_CERT", str(ca))
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")  # a folder of this machine: left out

    mounts = build.build_mounts(tmp_path / "work")

    conf = tmp_path / "work" / "root" / ".config" / "pip" / "pip.conf"
    home = tmp_path / "work" / "root"
    assert mounts == ["-v", f"{ca}:{build.CA_IN_BUILD}:ro", "-v", f"{home}:/root:ro"]
    assert conf.read_text() == (
        "[global]\n"
        f"cert = {build.CA_IN_BUILD}\n"
        "index-url = https://index.example/simple\n"
        "timeout = 60\n"
        "trusted-host = a.example\n    b.example\n"
    )


def test_without_pip_settings_nothing_is_mounted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "GLOBAL_PIP_FILES", ())
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    for name in ("PIP_CONFIG_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
                 *("PIP_" + key.upper().replace("-", "_") for key in build.PIP_KEYS)):
        monkeypatch.delenv(name, raising=False)
    assert build.build_mounts(tmp_path / "work") == []


def test_the_engine_reads_only_files_under_its_own_folder(tmp_path: Path) -> None:
    store = engine.Engine(tmp_path / "containers")
    assert set(store.exports()) == {"CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF"}
    assert all(Path(v).is_relative_to(store.root) for v in store.exports().values())
    conf = engine.CONTAINERS_CONF.format(root=store.root)
    for setting in ('runtime = "runc"', 'cgroup_manager = "cgroupfs"',
                    'default_ulimits = ["nofile=10000:10000", "nproc=4096:4096"]'):
        assert setting in conf
    paths = [line.split(" = ")[1].strip('"') for line in conf.splitlines()
             if line.split(" = ")[0] in ("events_logfile_path", "tmp_dir")]
    storage = engine.STORAGE_CONF.format(root=store.root, driver="overlay")
    paths += [line.split(" = ")[1].strip('"') for line in storage.splitlines()
              if line.split(" = ")[0] in ("graphroot", "runroot")]
    assert len(paths) == 4 and all(Path(p).is_relative_to(store.root) for p in paths)


def test_the_base_key_follows_what_shapes_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    key = debian.key()
    assert key.startswith(f"{debian.SUITE}-")
    monkeypatch.setattr(debian, "PACKAGES", (*debian.PACKAGES, "curl"))
    assert debian.key() != key
