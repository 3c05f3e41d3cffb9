"""How a Conductor server process is launched, configured and waited for."""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path

from conductor_stack.base import StackError
from conductor_stack.jars import ServerBuild, fetch_jar
from conductor_stack.jdk import java_for
from conductor_stack.processes import http_status, pid_alive, wait_ready
from conductor_stack.profiles import Profile
from conductor_stack.state import State

#: Answers 200 once the server can serve the metadata API, on every build.
READY_PATH = "/api/metadata/taskdefs"
#: The variables the server image is configured with, in the order `status` shows them.
SERVER_ENV_NAMES = (
    "CONDUCTOR_DB_TYPE",
    "CONDUCTOR_QUEUE_TYPE",
    "CONDUCTOR_REDIS_HOSTS",
    "CONDUCTOR_REDIS_CLUSTER_NAME",
    "CONDUCTOR_REDIS_LOCK_SERVER_TYPE",
    "CONDUCTOR_REDIS_LOCK_SERVER_MASTER_NAME",
    "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS",
    "CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD",
    "SPRING_DATASOURCE_URL",
    "SPRING_DATASOURCE_USERNAME",
    "SPRING_DATASOURCE_PASSWORD",
)
SECRET_ENV_NAMES = frozenset({"SPRING_DATASOURCE_PASSWORD",
                              "CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD"})


@dataclasses.dataclass(frozen=True)
class ServerLaunch:
    """How to start one profile's server: one place for java, jar and properties."""

    profile: Profile
    java: str
    jar: Path

    @property
    def build(self) -> ServerBuild:
        return self.profile.build

    def command(self, port: int, state_dir: Path) -> list[str]:
        opts = shlex.split(os.environ.get("CONDUCTOR_STACK_JAVA_OPTS", self.build.java_opts))
        extra = self.build.extra_jar_paths()
        if extra:
            # Spring Boot's PropertiesLauncher runs the same boot jar with more jars on
            # its classpath (``loader.path``), the jar itself untouched.
            loader_path = ",".join(str(p) for p in extra)
            launch = ["-cp", str(self.jar), f"-Dloader.path={loader_path}",
                      "org.springframework.boot.loader.PropertiesLauncher"]
        else:
            launch = ["-jar", str(self.jar)]
        args = [self.java, *opts, *launch, f"--server.port={port}"]
        properties = self.profile.properties
        if properties is not None:
            # An additional config location ranks below environment variables, so the
            # variables the image takes override anything in the file.
            args.append(f"--spring.config.additional-location=file:{properties}")
        return args + self.profile.server_args(state_dir)


def resolve_server(profile: Profile) -> ServerLaunch:
    """The java, jar and properties file for `profile`; downloads what is missing."""
    java = java_for(profile.build.java_min)
    jar = fetch_jar(profile.build)
    properties = profile.properties
    if properties is not None and not properties.is_file():
        raise StackError(f"the server properties file {properties} is missing")
    return ServerLaunch(profile=profile, java=java, jar=jar)


def server_base_env() -> dict[str, str]:
    """The caller's environment without settings that would reconfigure the server."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("CONDUCTOR_", "SPRING_", "conductor", "spring"))}


def wait_for_server(state: State, log_path: Path) -> None:
    timeout = float(os.environ.get("CONDUCTOR_STACK_TIMEOUT", "480"))
    url = state.base_url + READY_PATH
    if wait_ready(lambda: http_status(url) == 200, state.server_pid, timeout, 1):
        return
    if not pid_alive(state.server_pid):
        raise StackError("the Conductor server exited during start-up", log_path)
    raise StackError(f"the Conductor server did not answer GET {url} within {timeout:.0f}s",
                     log_path)


def masked(name: str, value: str) -> str:
    """`value` for display: secrets as ****, and the password field (the fourth) of each
    entry of CONDUCTOR_REDIS_HOSTS too."""
    if name in SECRET_ENV_NAMES:
        return "****"
    if name == "CONDUCTOR_REDIS_HOSTS":
        return ";".join(":".join(fields[:3] + ["****"] * (len(fields) > 3))
                        for fields in (entry.split(":") for entry in value.split(";")))
    return value
