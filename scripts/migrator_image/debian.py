"""The local Debian base image: debootstrap's minimal Debian with a Python, made once and cached.

No registry serves base images to this build (only package repositories are reachable), so
the base the Dockerfile's stages start from is made here. It stands in for the pinned
python:3.12-slim and offers what the Dockerfile asks of a base: `python` (python-is-python3)
with `venv` and `pip`, CA certificates, `groupadd` and `useradd`.

The root filesystem is made once into <tools>/debian-base/<suite>-<key>/ (the key hashes
everything that shapes it) and imported into the engine's store when missing there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from migrator_image.base import ImageError, log, run
from migrator_image.engine import Engine

SUITE = "bookworm"
VARIANT = "minbase"
PACKAGES = ("python3", "python3-venv", "python3-pip", "python-is-python3", "ca-certificates")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# What python:3.12-slim sets and the Dockerfile relies on (it appends to PATH).
IMAGE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
}


def key() -> str:
    shape = repr((SUITE, VARIANT, PACKAGES, sorted(IMAGE_ENV.items())))
    return f"{SUITE}-{hashlib.sha256(shape.encode()).hexdigest()[:12]}"


def image_name() -> str:
    return f"localhost/migrator-base:{key()}"


def rootfs_tarball(tools: Path) -> Path:
    """The cached root filesystem, made by debootstrap when it is not there yet."""
    folder = tools / "debian-base" / key()
    tarball = folder / "rootfs.tar"
    if tarball.exists():
        return tarball
    if shutil.which("debootstrap") is None:
        raise ImageError("debootstrap not found: run scripts/install-system-deps")
    folder.mkdir(parents=True, exist_ok=True)
    mirror = os.environ.get("DEBIAN_MIRROR", DEFAULT_MIRROR)
    log(f"making a {SUITE} base with debootstrap from {mirror} (a few minutes, once)")
    with tempfile.TemporaryDirectory(dir=folder, prefix="rootfs-") as work:
        rootfs = Path(work) / "rootfs"
        run(["debootstrap", f"--variant={VARIANT}", f"--include={','.join(PACKAGES)}",
             SUITE, rootfs, mirror])
        # Package lists and downloaded .debs are not part of a base (python:*-slim drops them).
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        partial = Path(work) / "rootfs.tar"
        run(["tar", "--numeric-owner", "--xattrs", "-C", rootfs, "-cf", partial, "."])
        partial.replace(tarball)
    return tarball


def ensure_base(engine: Engine, tools: Path) -> str:
    """The base image's name in the engine's store, made and imported when missing."""
    name = image_name()
    if engine.has_image(name):
        return name
    tarball = rootfs_tarball(tools)
    changes = [arg for name_, value in IMAGE_ENV.items()
               for arg in ("--change", f"ENV {name_}={value}")]
    engine.podman("import", "--quiet", *changes, tarball, name, quiet=True)
    log(f"imported {name}")
    return name
