"""The Conductor server builds this stack runs, and fetching their boot jars from Maven.

Two builds, each for a reason:

- ``oss``: conductor-oss 3.32.3, the newest server on Maven Central, with an embedded
  storage of its own: what a developer reaches for first, and what newer servers answer.
- ``core``: Netflix Conductor 3.15.0, the engine inside Orkes Conductor community
  v1.1.12 (what production runs), on Redis: the production answers, defaults and
  storage shape. The Orkes build itself is not on Maven Central.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from conductor_stack.base import StackError, log, tail_text


@dataclasses.dataclass(frozen=True)
class ServerBuild:
    """One server jar: its Maven coordinates, the Java it needs and how it starts."""

    key: str
    group: str
    artifact: str
    version: str
    java_min: int
    java_opts: str

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}:jar:boot"

    @property
    def label(self) -> str:
        return f"{self.artifact} {self.version}"

    def jar_path(self) -> Path:
        return (Path.home() / ".m2" / "repository" / Path(*self.group.split("."))
                / self.artifact / self.version / f"{self.artifact}-{self.version}-boot.jar")


# A small heap and the quick JIT tier: a test server starts faster and leaves CPU to the
# tests; CONDUCTOR_STACK_JAVA_OPTS replaces these.
_SMALL_JVM = "-Xms128m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

SERVER_BUILDS = {
    "oss": ServerBuild("oss", "org.conductoross", "conductor-server", "3.32.3", 21,
                       _SMALL_JVM + " --enable-native-access=ALL-UNNAMED"),
    "core": ServerBuild("core", "com.netflix.conductor", "conductor-server", "3.15.0", 17,
                        _SMALL_JVM),
}


def fetch_jar(build: ServerBuild) -> Path:
    """The build's jar from the local Maven repository, downloaded first if missing."""
    jar = build.jar_path()
    if jar.is_file():
        return jar
    if not shutil.which("mvn"):
        raise StackError(f"the Conductor server jar is not in {jar.parent} and `mvn` "
                         "(needed to download it) is not installed")
    log(f"downloading {build.coordinates} with mvn")
    result = subprocess.run(
        ["mvn", "-B", "-q", "dependency:get", f"-Dartifact={build.coordinates}",
         "-Dtransitive=false"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0 or not jar.is_file():
        raise StackError(
            f"mvn could not download {build.coordinates} (exit {result.returncode}):\n"
            + tail_text(result.stdout + result.stderr)
        )
    return jar
