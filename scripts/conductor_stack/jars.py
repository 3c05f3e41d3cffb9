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
    #: Maven coordinates (group:artifact:version) of jars added to the boot jar's
    #: classpath through Spring Boot's PropertiesLauncher (``loader.path``).
    extra_jars: tuple[str, ...] = ()

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}:jar:boot"

    @property
    def label(self) -> str:
        return f"{self.artifact} {self.version}"

    def jar_path(self) -> Path:
        return maven_path(self.group, self.artifact, self.version, "boot")

    def extra_jar_paths(self) -> list[Path]:
        return [maven_path(*coordinates.split(":")) for coordinates in self.extra_jars]


def local_repository() -> Path:
    """The local Maven repository: ``~/.m2/repository`` of ``$HOME``."""
    return Path.home() / ".m2" / "repository"


def maven_path(group: str, artifact: str, version: str, classifier: str = "") -> Path:
    """Where a jar lives in the local Maven repository."""
    suffix = f"-{classifier}" if classifier else ""
    return (local_repository() / Path(*group.split(".")) / artifact
            / version / f"{artifact}-{version}{suffix}.jar")


# A small heap and the quick JIT tier: a test server starts faster and leaves CPU to the
# tests; CONDUCTOR_STACK_JAVA_OPTS replaces these.
_SMALL_JVM = "-Xms128m -Xmx768m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"

#: The Orkes jar serves ``/actuator/prometheus``; 3.15.0's boot jar has no Prometheus
#: registry. These jars add one: Micrometer's Prometheus registry at the version of the
#: jar's own micrometer-core (1.9.15) with its Prometheus client, and Conductor's
#: conductor-metrics 3.15.0, whose ``conductor.metrics-prometheus.enabled=true``
#: configuration bridges Conductor's Spectator metrics into that registry through
#: spectator-reg-micrometer (at the jar's spectator-api version, 0.122.0).
CORE_METRICS_JARS = (
    "io.micrometer:micrometer-registry-prometheus:1.9.15",
    "io.prometheus:simpleclient_common:0.15.0",
    "io.prometheus:simpleclient:0.15.0",
    "io.prometheus:simpleclient_tracer_common:0.15.0",
    "io.prometheus:simpleclient_tracer_otel:0.15.0",
    "io.prometheus:simpleclient_tracer_otel_agent:0.15.0",
    "com.netflix.conductor:conductor-metrics:3.15.0",
    "com.netflix.spectator:spectator-reg-micrometer:0.122.0",
)

SERVER_BUILDS = {
    "oss": ServerBuild("oss", "org.conductoross", "conductor-server", "3.32.3", 21,
                       _SMALL_JVM + " --enable-native-access=ALL-UNNAMED"),
    "core": ServerBuild("core", "com.netflix.conductor", "conductor-server", "3.15.0", 17,
                        _SMALL_JVM, extra_jars=CORE_METRICS_JARS),
}


def fetch_jar(build: ServerBuild) -> Path:
    """The build's jar from the local Maven repository, downloaded first if missing, and
    the extra jars it runs with."""
    for coordinates, path in zip(build.extra_jars, build.extra_jar_paths(), strict=True):
        maven_get(coordinates, path)
    return maven_get(build.coordinates, build.jar_path())


def maven_get(coordinates: str, jar: Path) -> Path:
    """`jar`, downloaded with ``mvn dependency:get`` first if it is not there."""
    if jar.is_file():
        return jar
    if not shutil.which("mvn"):
        raise StackError(f"{jar.name} is not in {jar.parent} and `mvn` "
                         "(needed to download it) is not installed")
    log(f"downloading {coordinates} with mvn")
    # Named, not left to mvn: the JVM takes the home directory from the user database,
    # not $HOME, and a CI runner or container that sets another $HOME would have mvn
    # store the jar where it is then not looked for.
    result = subprocess.run(
        ["mvn", "-B", "-q", "dependency:get", f"-Dartifact={coordinates}",
         "-Dtransitive=false", f"-Dmaven.repo.local={local_repository()}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0 or not jar.is_file():
        raise StackError(
            f"mvn could not download {coordinates} (exit {result.returncode}):\n"
            + tail_text(result.stdout + result.stderr)
        )
    return jar
