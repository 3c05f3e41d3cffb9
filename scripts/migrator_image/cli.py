"""migrator-image's arguments and exit codes."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from migrator_image import debian, engine
from migrator_image.base import REPO_ROOT, ImageError, log, tools_dir
from migrator_image.build import build

EPILOG = """\
build    installs buildah, podman, debootstrap and runc (scripts/install-system-deps), makes
         the local Debian base once (cached under .tools/debian-base/), builds the root
         Dockerfile on it unless the store has that exact build, and prints
         MIGRATOR_IMAGE=<name> as its last line.
env      prints the CONTAINERS_CONF and CONTAINERS_STORAGE_CONF lines that point podman at
         the store the builds go to.
podman   runs podman on that store: migrator-image podman run --rm <image> --version

Everything lives under $MIGRATOR_IMAGE_TOOLS (default .tools/ in the repository): the
engine's configuration and image store in containers/, the base in debian-base/.
buildah and podman run as root: when not root, the command runs itself again with sudo.

environment:
  DEBIAN_MIRROR                   where debootstrap downloads from (default deb.debian.org)
  MIGRATOR_IMAGE_STORAGE_DRIVER   overlay or vfs, for a new store (default: overlay when
                                  the kernel mounts it there)

Exit codes: 0 = success, 1 = error, 130 = interrupted.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrator-image", epilog=EPILOG,
        description="Builds the workflow migrator's image with buildah on a local Debian base.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the image (cached) and print MIGRATOR_IMAGE=<name>")
    sub.add_parser("env", help="print the variables that point podman at the image store")
    p_podman = sub.add_parser("podman", help="run podman on the image store")
    p_podman.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def as_root(argv: Sequence[str]) -> None:
    """Runs this command again with sudo when not root (buildah and podman need root here)."""
    if os.geteuid() == 0 or shutil.which("sudo") is None:
        return
    script = REPO_ROOT / "scripts" / "migrator-image"
    os.execvp("sudo", ["sudo", "--preserve-env", sys.executable, str(script), *argv])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    as_root(argv)
    tools = tools_dir()
    try:
        if args.command == "build":
            subprocess.run([str(REPO_ROOT / "scripts" / "install-system-deps")], check=True)
            store = engine.prepare(tools / "containers")
            image = build(store, debian.ensure_base(store, tools))
            print(f"MIGRATOR_IMAGE={image}")
            return 0
        store = engine.prepare(tools / "containers")
        if args.command == "env":
            for name, value in store.exports().items():
                print(f"{name}={value}")
            return 0
        if args.command == "podman":
            return subprocess.run(["podman", *args.args], env=store.env, check=False).returncode
    except ImageError as exc:
        log(f"error: {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    raise NotImplementedError(args.command)
