"""buildah and podman with a configuration of their own, kept under <tools>/containers/.

Nothing under /etc is read or changed: CONTAINERS_CONF and CONTAINERS_STORAGE_CONF point
both tools at files written here, so the image store, its locks and its run-time state are
this repository's alone. The settings are the ones a container engine needs inside a
sandboxed CI machine (each line of the files written below says why).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from migrator_image.base import ImageError, log, run

# Written once; the storage driver of an existing store is never changed (its layers were
# made by that driver). Delete <tools>/containers to start again.
CONTAINERS_CONF = """\
# Written by scripts/migrator-image for this repository's builds; read through CONTAINERS_CONF.
[containers]
# The default (the caller's limits, raised) is refused where the hard limit cannot be raised:
# "setrlimit RLIMIT_NOFILE: Operation not permitted". Fixed limits work everywhere.
default_ulimits = ["nofile=10000:10000", "nproc=4096:4096"]

[engine]
# crun refuses cgroups in hybrid mode; runc with cgroupfs (no systemd needed) runs.
runtime = "runc"
cgroup_manager = "cgroupfs"
# No journald in a CI container; locks and state in files of our own, not /dev/shm and /run.
events_logger = "file"
events_logfile_path = "{root}/run/events.log"
lock_type = "file"
tmp_dir = "{root}/run/libpod"
"""

STORAGE_CONF = """\
# Written by scripts/migrator-image; read through CONTAINERS_STORAGE_CONF.
[storage]
driver = "{driver}"
graphroot = "{root}/storage"
runroot = "{root}/run/storage"
"""


@dataclass(frozen=True)
class Engine:
    """The engine's configuration directory; `env` is what every buildah and podman call gets."""

    root: Path

    @property
    def containers_conf(self) -> Path:
        return self.root / "containers.conf"

    @property
    def storage_conf(self) -> Path:
        return self.root / "storage.conf"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CONTAINERS_CONF": str(self.containers_conf),
            "CONTAINERS_STORAGE_CONF": str(self.storage_conf),
            # RUN steps in a chroot: no nested container runtime needed inside a build.
            "BUILDAH_ISOLATION": "chroot",
        }

    def exports(self) -> Mapping[str, str]:
        """The variables a shell needs to call podman on this store itself."""
        return {name: self.env[name] for name in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF")}

    def buildah(self, *args: str | Path, quiet: bool = False) -> str:
        return run(["buildah", *args], env=self.env, quiet=quiet)

    def podman(self, *args: str | Path, quiet: bool = False) -> str:
        return run(["podman", *args], env=self.env, quiet=quiet)

    def has_image(self, name: str) -> bool:
        result = subprocess.run(
            ["podman", "image", "exists", name], env=self.env, capture_output=True, check=False
        )
        return result.returncode == 0


def prepare(root: Path) -> Engine:
    """Checks the tools and writes the configuration (storage driver chosen on first use)."""
    missing = [tool for tool in ("buildah", "podman", "runc") if shutil.which(tool) is None]
    if missing:
        raise ImageError(f"{', '.join(missing)} not found: run scripts/install-system-deps")
    if os.geteuid() != 0:
        raise ImageError("buildah and podman run as root here (rootless needs user namespaces "
                         "a CI container rarely grants): run with sudo")
    engine = Engine(root)
    (root / "run").mkdir(parents=True, exist_ok=True)
    engine.containers_conf.write_text(CONTAINERS_CONF.format(root=root))
    if not engine.storage_conf.exists():
        driver = os.environ.get("MIGRATOR_IMAGE_STORAGE_DRIVER") or (
            "overlay" if overlay_mounts(root) else "vfs")
        log(f"image store under {root}/storage, storage driver {driver}")
        engine.storage_conf.write_text(STORAGE_CONF.format(root=root, driver=driver))
    return engine


def overlay_mounts(where: Path) -> bool:
    """Whether the kernel mounts an overlay on this filesystem (not on every one, e.g. an
    overlay root): overlay is many times faster than vfs, which copies every layer whole."""
    with tempfile.TemporaryDirectory(dir=where, prefix="overlay-probe-") as probe:
        lower, upper, work, merged = (Path(probe) / name for name in ("l", "u", "w", "m"))
        for directory in (lower, upper, work, merged):
            directory.mkdir()
        options = f"lowerdir={lower},upperdir={upper},workdir={work}"
        mounted = subprocess.run(
            ["mount", "-t", "overlay", "overlay", "-o", options, str(merged)],
            capture_output=True, check=False,
        ).returncode == 0
        if mounted:
            subprocess.run(["umount", str(merged)], check=False)
        return mounted
