"""The container's start-up steps: URL check, resolver, template substitution.

These run docker/ui/docker-entrypoint.d/* unchanged under /bin/sh as an
unprivileged user, then the envsubst step (see nginx_harness), and check
the rendered configuration with `nginx -t`.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.support import nginx_harness as harness
from tests.support.stacks import free_port

MESSAGE = "set CONDUCTOR_BASE_URL to the Conductor server's base URL"


def start(env: dict[str, str], resolv_conf: str = "nameserver 10.96.0.10\n"
          ) -> tuple[harness.StartResult, dict[str, str]]:
    """Runs the start steps; returns the result and the files written to conf.d."""
    with harness.prefix_dir(resolv_conf) as prefix:
        result = harness.run_start_steps(prefix, env)
        written = {p.name: p.read_text() for p in prefix.conf_d.iterdir()}
        if result.returncode == 0:
            harness.adapt_for_test(prefix.conf_d / "default.conf", free_port(),
                                   prefix.html)
            check = subprocess.run(harness.nginx_cmd(prefix, "-t", "-q"),
                                   capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
    return result, written


def test_the_scripts_run_before_the_envsubst_step_and_are_executable() -> None:
    scripts = sorted(p.name for p in harness.ENTRYPOINT_D.iterdir())
    assert scripts == ["10-conductor-base-url.envsh", "11-conductor-resolver.sh",
                       "12-stub-status.sh"]
    for name in scripts:
        assert harness.is_executable(harness.ENTRYPOINT_D / name), name
        # The image's entrypoint orders by `sort -V`; 20-envsubst-on-templates.sh renders.
        assert int(name.split("-", 1)[0]) < 20
    for name in scripts:
        syntax = subprocess.run(["sh", "-n", str(harness.ENTRYPOINT_D / name)],
                                capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stderr


@pytest.mark.parametrize(("given", "normalised"), [
    ("http://conductor-server:8080", "http://conductor-server:8080"),
    ("http://conductor-server:8080/", "http://conductor-server:8080"),
    ("https://conductor.example.com", "https://conductor.example.com"),
    ("https://conductor.example.com/", "https://conductor.example.com"),
    ("http://conductor-server.conductor.svc.cluster.local:8080/",
     "http://conductor-server.conductor.svc.cluster.local:8080"),
    ("http://10.0.0.12:8080", "http://10.0.0.12:8080"),
    ("http://[fd00::12]:8080/", "http://[fd00::12]:8080"),
    ("http://[::1]", "http://[::1]"),
])
def test_a_valid_url_is_accepted_and_loses_its_trailing_slash(given: str, normalised: str) -> None:
    result, written = start({"CONDUCTOR_BASE_URL": given})
    assert result.returncode == 0, result.stderr
    assert result.env["CONDUCTOR_BASE_URL"] == normalised
    assert f'set $conductor_base_url "{normalised}";' in written["default.conf"]
    assert "proxy_pass $conductor_base_url;" in written["default.conf"]


@pytest.mark.parametrize("given", [
    None, "", "conductor-server:8080", "ftp://conductor-server", "http://", "http:///api",
    "http://conductor-server:8080/api", "http://conductor-server:8080//",
    "http://conductor-server:8080/?x=1", "http://user:secret@conductor-server:8080",
    "http://conductor-server:0", "http://conductor-server:65536", "http://conductor-server:",
    "http://conductor server:8080", " http://conductor-server:8080", "http://-bad-.example",
    "HTTP://conductor-server:8080", "http://conductor-server:8080\nhttp://other:8080",
    "http://${HOSTNAME}:8080",
])
def test_a_missing_or_bad_url_stops_the_start_with_a_message(given: str | None) -> None:
    env = {} if given is None else {"CONDUCTOR_BASE_URL": given}
    result, written = start(env)
    assert result.returncode != 0
    assert "10-conductor-base-url.envsh: ERROR: CONDUCTOR_BASE_URL" in result.stderr
    assert MESSAGE in result.stderr
    assert "default.conf" not in written, "nothing rendered: nginx would not start"


def test_only_conductor_base_url_is_substituted() -> None:
    """Variables that happen to share a name with nginx's stay nginx's."""
    decoys = {"uri": "DECOY", "host": "DECOY", "scheme": "DECOY", "remote_addr": "DECOY",
              "proxy_add_x_forwarded_for": "DECOY", "conductor_base_url": "DECOY",
              "http_x_forwarded_proto": "DECOY", "NGINX_LOCAL_RESOLVERS": "DECOY"}
    result, written = start({"CONDUCTOR_BASE_URL": "http://conductor:8080", **decoys})
    assert result.returncode == 0, result.stderr
    conf = written["default.conf"]
    assert "DECOY" not in conf
    assert "${" not in conf
    template = (harness.TEMPLATES / "default.conf.template").read_text()
    assert conf == template.replace("${CONDUCTOR_BASE_URL}", "http://conductor:8080")
    placeholders = set(re.findall(r"\$\{(\w+)\}", template))
    assert placeholders == {"CONDUCTOR_BASE_URL"}
    for nginx_variable in ("$uri", "$host", "$scheme", "$proxy_add_x_forwarded_for",
                           "$conductor_base_url", "$conductor_ui_cache_control"):
        assert nginx_variable in conf


def test_the_filter_is_what_limits_the_substitution() -> None:
    """Without NGINX_ENVSUBST_FILTER, a defined $host would be replaced (the reason for it)."""
    names = harness.selected_names({"CONDUCTOR_BASE_URL": "x", "host": "y",
                                    "NGINX_ENVSUBST_FILTER": "^CONDUCTOR_BASE_URL$"})
    assert names == ["CONDUCTOR_BASE_URL"]
    unfiltered = harness.selected_names({"CONDUCTOR_BASE_URL": "x", "host": "y"})
    assert "host" in unfiltered


@pytest.mark.parametrize(("resolv_conf", "resolver"), [
    ("nameserver 10.96.0.10\nsearch conductor.svc.cluster.local svc.cluster.local\n"
     "options ndots:5\n", "resolver 10.96.0.10 valid=10s;"),
    ("# generated\nnameserver 192.168.1.1\nnameserver fd00::53\nnameserver fe80::1%eth0\n",
     "resolver 192.168.1.1 [fd00::53] valid=10s;"),
    ("nameserver 127.0.0.11\noptions ndots:0\n", "resolver 127.0.0.11 valid=10s;"),
])
def test_the_resolver_comes_from_resolv_conf(resolv_conf: str, resolver: str) -> None:
    result, written = start(
        {"CONDUCTOR_BASE_URL": "http://conductor-server.conductor.svc.cluster.local:8080"},
        resolv_conf,
    )
    assert result.returncode == 0, result.stderr
    assert resolver in written["conductor-ui-resolver.conf"].splitlines()


def test_a_single_label_name_is_warned_about() -> None:
    result, _ = start({"CONDUCTOR_BASE_URL": "http://conductor-server:8080"})
    assert result.returncode == 0
    assert "does not apply the search list" in result.stderr


def test_no_nameserver_stops_the_start_for_a_name() -> None:
    result, _ = start({"CONDUCTOR_BASE_URL": "http://conductor.example.com"}, "search x\n")
    assert result.returncode != 0
    assert "no usable nameserver" in result.stderr


@pytest.mark.parametrize("url", ["http://10.1.2.3:8080", "http://[fd00::1]:8080"])
def test_no_nameserver_is_fine_for_an_address(url: str) -> None:
    result, written = start({"CONDUCTOR_BASE_URL": url}, "")
    assert result.returncode == 0, result.stderr
    lines = written["conductor-ui-resolver.conf"].splitlines()
    assert not [line for line in lines if line.startswith("resolver")]


def test_a_read_only_output_directory_stops_the_start() -> None:
    """The image's envsubst step only logs this and lets nginx start unconfigured."""
    with harness.prefix_dir() as prefix:
        prefix.conf_d.chmod(0o555)
        if os.access(prefix.conf_d, os.W_OK) and os.geteuid() != 0:
            pytest.skip("cannot make a directory read-only for this user")
        result = harness.run_start_steps(prefix, {"CONDUCTOR_BASE_URL": "http://10.0.0.1:8080"})
        assert list(prefix.conf_d.iterdir()) == []
    assert result.returncode != 0
    assert "is not writable" in result.stderr
    assert "emptyDir" in result.stderr
