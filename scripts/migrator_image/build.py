"""The root Dockerfile built with buildah on the local base, tagged by what goes into it.

The tag is a hash of the Dockerfile, the base's key and every file of the build context
(what .dockerignore lets in), so an image is rebuilt exactly when one of them changes and
an unchanged checkout reuses the image in the store.

pip inside the build reaches its package index the way pip on this machine does: the
index, proxy and certificate settings of the caller's pip configuration (files and PIP_*
variables) are written to a pip.conf mounted read-only for the build's RUN steps, with the
CA bundle it names. Both are mounted over paths every base has, so neither leaves a trace in
a layer, and nothing machine-specific is written into the repository.
"""

from __future__ import annotations

import configparser
import fnmatch
import hashlib
import os
from pathlib import Path, PurePosixPath

from migrator_image.base import REPO_ROOT, ImageError, log
from migrator_image.engine import Engine

IMAGE = "localhost/workflow-migrator"
# pip's configuration files, read in this order, then $PIP_CONFIG_FILE and PIP_* variables.
GLOBAL_PIP_FILES = (Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf"))
USER_PIP_FILES = (Path(".pip/pip.conf"), Path(".config/pip/pip.conf"))  # under $HOME
# The settings that decide how pip reaches an index; others (find-links to a local folder,
# caches) mean nothing inside the build.
PIP_KEYS = ("index-url", "extra-index-url", "trusted-host", "proxy", "timeout",
            "default-timeout", "retries")
# Where the CA bundle is mounted: the path both kinds of base already have, so the mount
# creates nothing in the image.
CA_IN_BUILD = "/etc/ssl/certs/ca-certificates.crt"


def context_files(root: Path = REPO_ROOT) -> list[Path]:
    """The files .dockerignore lets into the build context, in a stable order.

    It must be an allow-list (`*`, then `!path` lines, then exclusions), the only form this
    reads; the same file drives the real build, so the hash covers what the image copies.
    """
    lines = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines or lines[0] != "*":
        raise ImageError(f"{root / '.dockerignore'} must start with '*' (an allow-list)")
    allowed = [line[1:].rstrip("/") for line in lines[1:] if line.startswith("!")]
    excluded = [line for line in lines[1:] if not line.startswith("!")]
    found: list[Path] = []
    for entry in allowed:
        path = root / entry
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            relative = PurePosixPath(candidate.relative_to(root).as_posix())
            if candidate.is_file() and not _ignored(relative, excluded):
                found.append(candidate)
    return found


def _ignored(relative: PurePosixPath, patterns: list[str]) -> bool:
    """A .dockerignore exclusion matches the path or one of its parents (`**/` anywhere)."""
    prefixes = [PurePosixPath(*relative.parts[:end]) for end in range(1, len(relative.parts) + 1)]
    for pattern in patterns:
        for prefix in prefixes:
            if pattern.startswith("**/"):
                if fnmatch.fnmatchcase(prefix.name, pattern[3:]):
                    return True
            elif fnmatch.fnmatchcase(prefix.as_posix(), pattern):
                return True
    return False


def content_tag(base: str, root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256(base.encode())
    for path in [root / "Dockerfile", root / ".dockerignore", *context_files(root)]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(b"x" if os.access(path, os.X_OK) else b"-")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{IMAGE}:{digest.hexdigest()[:16]}"


def pip_settings() -> tuple[dict[str, str], Path | None]:
    """The caller's pip settings that reach an index, and the CA bundle pip trusts (if set).

    Read as pip reads them: the global, then the user files, then $PIP_CONFIG_FILE, then
    PIP_<KEY> variables; [global] only.
    """
    files = [*GLOBAL_PIP_FILES, *(Path.home() / path for path in USER_PIP_FILES)]
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(Path(os.environ["PIP_CONFIG_FILE"]))
    parser = configparser.ConfigParser(interpolation=None)
    parser.read([f for f in files if f.is_file()])
    found = dict(parser["global"]) if parser.has_section("global") else {}
    for key in (*PIP_KEYS, "cert"):
        value = os.environ.get("PIP_" + key.upper().replace("-", "_"))
        if value:
            found[key] = value
    settings = {key: found[key] for key in PIP_KEYS if key in found}
    cert = (found.get("cert") or os.environ.get("REQUESTS_CA_BUNDLE")
            or os.environ.get("SSL_CERT_FILE"))
    if cert and not Path(cert).is_file():
        raise ImageError(f"pip's CA bundle {cert} is not a file")
    return settings, Path(cert) if cert else None


def build_mounts(work: Path) -> list[str]:
    """`-v` arguments giving the build's RUN steps the caller's pip settings, read-only."""
    settings, cert = pip_settings()
    mounts: list[str] = []
    if cert:
        settings["cert"] = CA_IN_BUILD
        mounts += ["-v", f"{cert.resolve()}:{CA_IN_BUILD}:ro"]
    if settings:
        # As the build's root user's own pip.conf: a mount over a path the base lacks (such
        # as /etc/pip.conf) would leave an empty file of that name in the image; /root exists.
        home = work / "root"
        conf = home / ".config" / "pip" / "pip.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        lines = ["[global]", *(f"{key} = {value}".replace("\n", "\n    ")
                               for key, value in sorted(settings.items()))]
        conf.write_text("\n".join(lines) + "\n")
        mounts += ["-v", f"{home}:/root:ro"]
    return mounts


def build(engine: Engine, base: str) -> str:
    """The image built from the root Dockerfile on `base`, unless the store already has it."""
    tag = content_tag(base)
    if engine.has_image(tag):
        log(f"{tag} is up to date")
        return tag
    work = engine.root / "build"
    work.mkdir(parents=True, exist_ok=True)
    log(f"building {tag} on {base}")
    # No --layers: buildah 1.28 keys a cached RUN step on its text alone, not on what a
    # `--mount=type=bind,from=build` brings in, so a changed wheel would get the old
    # install. The whole build reruns when the tag changes, and only then.
    engine.buildah(
        "build", "--format", "docker", "--pull=never", "--network", "host",
        "--isolation", "chroot", "--build-arg", f"BASE_IMAGE={base}",
        *build_mounts(work), "--file", REPO_ROOT / "Dockerfile", "--tag", tag, REPO_ROOT,
    )
    # Only the newest build is kept.
    for old in engine.podman("images", "--format", "{{.Repository}}:{{.Tag}}", IMAGE,
                             quiet=True).split():
        if old != tag:
            engine.podman("untag", old, quiet=True)
    engine.podman("image", "prune", "--force", quiet=True)
    return tag
