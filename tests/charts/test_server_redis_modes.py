"""The server chart's Redis modes: what each mode gives the server, the combinations it
refuses (in values.schema.json and again in the templates), and the trust store that TLS
with a private CA builds, built here by the init container's own script with keytool."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml

from tests.support.charts import Rendering, env_by_name, parse, render, resolve_env, secret_data

DATABASE = {"host": "pg", "existingSecret": "conductor-db"}
SENTINELS = [{"host": "sentinel-0", "port": 26379}, {"host": "sentinel-1", "port": 26379}]
NODES = [{"host": "node-0", "port": 6379}, {"host": "node-1", "port": 6380}]
PASSWORD = "Redis-literal-5e9"


def _server(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def _env(charts_dir: Path, redis: dict[str, Any]) -> dict[str, str]:
    objects = parse(render(charts_dir, "conductor-server",
                           {"externalDatabase": DATABASE, "externalRedis": redis}))
    secrets = secret_data(objects) | {"conductor-db": {"db-password": "x"},
                                      "redis": {"redis-password": PASSWORD}}
    return resolve_env(_server(objects), secrets)


def _redis_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items()
            if k.startswith(("CONDUCTOR_", "REDIS_")) or k == "JAVA_TOOL_OPTIONS"}


# --------------------------------------------------------------------------- each mode

def test_standalone_defaults_set_only_the_seed_variables(charts_dir: Path) -> None:
    """Standalone is the image's own default (redis_standalone, SINGLE lock), so nothing else
    is set: the rendering is what it was before the modes existed."""
    env = _env(charts_dir, {"host": "redis", "port": 6379})
    assert _redis_env(env) == {
        "CONDUCTOR_REDIS_HOSTS": "redis:6379:default",
        "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS": "redis://redis:6379",
        "JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError",
    }


def test_standalone_with_tls_database_and_password(charts_dir: Path) -> None:
    env = _env(charts_dir, {"host": "redis", "port": 6380, "database": 3,
                            "existingSecret": "redis", "tls": {"enabled": True}})
    assert _redis_env(env) == {
        "REDIS_PASSWORD": PASSWORD,
        "CONDUCTOR_REDIS_HOSTS": f"redis:6380:default:{PASSWORD}",
        "CONDUCTOR_REDIS_DATABASE": "3",
        "CONDUCTOR_REDIS_SSL": "true",
        "CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD": PASSWORD,
        "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS": "rediss://redis:6380",
        # No CA given: the JVM's default trust store, nothing added.
        "JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError",
    }


def test_sentinel_names_the_master_for_both_clients(charts_dir: Path) -> None:
    env = _env(charts_dir, {"mode": "sentinel", "hosts": SENTINELS, "database": 1,
                            "sentinel": {"masterName": "mymaster"},
                            "existingSecret": "redis"})
    assert _redis_env(env) == {
        "REDIS_PASSWORD": PASSWORD,
        "CONDUCTOR_DB_TYPE": "redis_sentinel",
        "CONDUCTOR_QUEUE_TYPE": "redis_sentinel",
        "CONDUCTOR_REDIS_HOSTS": (f"sentinel-0:26379:default:{PASSWORD};"
                                  f"sentinel-1:26379:default:{PASSWORD}"),
        "CONDUCTOR_REDIS_CLUSTER_NAME": "mymaster",
        "CONDUCTOR_REDIS_DATABASE": "1",
        "CONDUCTOR_REDIS_LOCK_SERVER_PASSWORD": PASSWORD,
        "CONDUCTOR_REDIS_LOCK_SERVER_TYPE": "SENTINEL",
        "CONDUCTOR_REDIS_LOCK_SERVER_MASTER_NAME": "mymaster",
        # Redisson's Sentinel config takes one address and discovers the other Sentinels.
        "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS": "redis://sentinel-0:26379",
        "JAVA_TOOL_OPTIONS": "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError",
    }


def test_cluster_over_tls_with_a_private_ca(charts_dir: Path) -> None:
    env = _env(charts_dir, {"mode": "cluster", "hosts": NODES,
                            "tls": {"enabled": True, "existingConfigMap": "redis-ca"}})
    assert _redis_env(env) == {
        "CONDUCTOR_DB_TYPE": "redis_cluster",
        "CONDUCTOR_QUEUE_TYPE": "redis_cluster",
        "CONDUCTOR_REDIS_HOSTS": "node-0:6379:default;node-1:6380:default",
        "CONDUCTOR_REDIS_SSL": "true",
        "CONDUCTOR_REDIS_LOCK_SERVER_TYPE": "CLUSTER",
        "CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS": "rediss://node-0:6379,rediss://node-1:6380",
        "JAVA_TOOL_OPTIONS": ("-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError"
                              " -Djavax.net.ssl.trustStore=/truststore/truststore.p12"
                              " -Djavax.net.ssl.trustStoreType=PKCS12"
                              " -Djavax.net.ssl.trustStorePassword=changeit"),
    }


def test_a_given_lock_address_wins(charts_dir: Path) -> None:
    env = _env(charts_dir, {"host": "redis", "lockAddress": "redis://lock-redis:6379"})
    assert env["CONDUCTOR_REDIS_LOCK_SERVER_ADDRESS"] == "redis://lock-redis:6379"


@pytest.mark.parametrize("redis", [
    {"host": "redis", "password": PASSWORD},
    {"mode": "sentinel", "hosts": SENTINELS, "sentinel": {"masterName": "m"},
     "password": PASSWORD},
    {"mode": "cluster", "hosts": NODES, "password": PASSWORD, "tls": {"enabled": True}},
], ids=["standalone", "sentinel", "cluster-tls"])
def test_a_password_literal_reaches_only_the_secret(charts_dir: Path,
                                                    redis: dict[str, Any]) -> None:
    objects = parse(render(charts_dir, "conductor-server",
                           {"externalDatabase": DATABASE, "externalRedis": redis}))
    outside = [o for o in objects if o["kind"] != "Secret"]
    assert PASSWORD not in yaml.safe_dump_all(outside)
    container = _server(objects)
    assert PASSWORD not in json.dumps(container.get("command", []) + container.get("args", []))
    env = resolve_env(container, secret_data(objects) | {"conductor-db": {"db-password": "x"}})
    entries = env["CONDUCTOR_REDIS_HOSTS"].split(";")
    assert all(entry.endswith(f":{PASSWORD}") for entry in entries)


# --------------------------------------------------------------------------- refusals

#: case -> (externalRedis values, what the schema says, what the templates say)
INCONSISTENT: dict[str, tuple[dict[str, Any], str, str]] = {
    "sentinel-without-master": (
        {"mode": "sentinel", "hosts": SENTINELS},
        "at '/externalRedis/sentinel/masterName'",
        "conductor-server: externalRedis.sentinel.masterName"),
    "sentinel-without-hosts": (
        {"mode": "sentinel", "sentinel": {"masterName": "m"}},
        "at '/externalRedis/hosts': minItems",
        "conductor-server: externalRedis.hosts"),
    "sentinel-with-tls": (
        {"mode": "sentinel", "hosts": SENTINELS, "sentinel": {"masterName": "m"},
         "tls": {"enabled": True}},
        "at '/externalRedis/tls/enabled'",
        "sentinel mode cannot use TLS"),
    "cluster-with-database": (
        {"mode": "cluster", "hosts": NODES, "database": 2},
        "at '/externalRedis/database'",
        "Redis Cluster has only database 0"),
    "cluster-with-host": (
        {"mode": "cluster", "hosts": NODES, "host": "redis"},
        "at '/externalRedis/host'",
        "externalRedis.host is for standalone mode only"),
    "standalone-with-hosts": (
        {"host": "redis", "hosts": NODES},
        "at '/externalRedis/hosts'",
        "externalRedis.hosts is for sentinel and cluster modes"),
    "tls-with-plain-lock-address": (
        {"host": "redis", "tls": {"enabled": True},
         "lockAddress": "redis://redis:6379"},
        "at '/externalRedis/lockAddress'",
        "write its address(es)\n    as rediss://host:port"),
    "ca-in-secret-and-configmap": (
        {"host": "redis", "tls": {"enabled": True, "existingSecret": "a",
                                  "existingConfigMap": "b"}},
        "at '/externalRedis/tls'",
        "in a Secret or in a ConfigMap, not both"),
}


def _refusal(charts_dir: Path, redis: dict[str, Any]) -> str:
    with pytest.raises((helm.HelmValuesError, helm.HelmRenderError)) as caught:
        render(charts_dir, "conductor-server", {"externalDatabase": DATABASE,
                                                "externalRedis": redis})
    return str(caught.value)


@pytest.mark.parametrize("case", INCONSISTENT)
def test_the_schema_refuses_an_inconsistent_combination(charts_dir: Path, case: str) -> None:
    redis, schema_says, _ = INCONSISTENT[case]
    message = _refusal(charts_dir, redis)
    assert "values don't meet the specifications of the schema" in message
    assert schema_says in message


@pytest.fixture(scope="module")
def schemaless_charts(tmp_path_factory: pytest.TempPathFactory, charts_dir: Path) -> Path:
    """The server chart without values.schema.json, to reach the templates' own checks
    (`helm template --skip-schema-validation` does the same)."""
    target = tmp_path_factory.mktemp("schemaless")
    shutil.copytree(charts_dir / "conductor-server", target / "conductor-server")
    (target / "conductor-server" / "values.schema.json").unlink()
    return target


@pytest.mark.parametrize("case", INCONSISTENT)
def test_the_templates_fail_with_the_reason_too(schemaless_charts: Path, case: str) -> None:
    redis, _, template_says = INCONSISTENT[case]
    message = _refusal(schemaless_charts, redis)
    assert "VALUES VALIDATION:" in message
    assert template_says in message


def test_the_templates_report_every_redis_problem_at_once(schemaless_charts: Path) -> None:
    message = _refusal(schemaless_charts, {"mode": "cluster", "database": 1,
                                           "tls": {"enabled": True},
                                           "lockAddress": "redis://a:1"})
    for key in ("externalRedis.hosts", "externalRedis.database", "externalRedis.lockAddress"):
        assert f"conductor-server: {key}" in message


# --------------------------------------------------------------------------- TLS trust store

def test_tls_ci_values_mount_the_ca_and_build_the_trust_store(
        renderings: dict[str, Rendering]) -> None:
    rendering = renderings["conductor-server-ci-tls"]
    pod = rendering.one("Deployment")["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["redis-ca"]["secret"] == {"secretName": "redis-tls",
                                             "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    assert "emptyDir" in volumes["truststore"]
    assert env_by_name(init)["CA_FILE"]["value"] == "/redis-ca/ca.crt"
    server_mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert server_mounts["truststore"] == {"name": "truststore", "mountPath": "/truststore",
                                           "readOnly": True}
    assert init["image"] == pod["containers"][0]["image"]  # keytool comes with the server's JRE


def _keytool_java_home() -> Path:
    keytool = shutil.which("keytool")
    if keytool is None:
        pytest.fail("keytool (a JDK or JRE) is needed: run scripts/install-system-deps")
    return Path(keytool).resolve().parent.parent


def _openssl_ca(directory: Path, name: str) -> str:
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-keyout", str(directory / f"{name}.key"),
                    "-out", str(directory / f"{name}.crt")],
                   check=True, capture_output=True, timeout=60)
    return (directory / f"{name}.crt").read_text()


def _run_init_script(rendering: Rendering, ca_file: Path,
                     truststore: Path) -> subprocess.CompletedProcess[str]:
    (init,) = rendering.one("Deployment")["spec"]["template"]["spec"]["initContainers"]
    assert init["command"][:2] == ["/bin/sh", "-c"]
    env = {"PATH": os.environ["PATH"], "JAVA_HOME": str(_keytool_java_home()),
           "CA_FILE": str(ca_file), "TRUSTSTORE": str(truststore)}
    return subprocess.run(["/bin/sh", "-c", init["command"][2]], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.slow
def test_the_init_script_adds_every_ca_of_the_bundle_to_the_jvm_cas(
        renderings: dict[str, Rendering], tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text(_openssl_ca(tmp_path, "redis-root") + _openssl_ca(tmp_path, "redis-next"))
    store = tmp_path / "truststore" / "truststore.p12"
    store.parent.mkdir()
    result = _run_init_script(renderings["conductor-server-ci-tls"], bundle, store)
    assert result.returncode == 0, result.stderr
    listing = subprocess.run(["keytool", "-list", "-v", "-keystore", str(store),
                              "-storetype", "PKCS12", "-storepass", "changeit"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert "Owner: CN=redis-root" in listing and "Owner: CN=redis-next" in listing
    # The JVM's own CAs are still there (HTTP tasks to public endpoints keep working).
    assert listing.count("Entry type: trustedCertEntry") > 10
    assert sorted(p.name for p in store.parent.iterdir()) == ["truststore.p12"]


@pytest.mark.slow
def test_the_init_script_stops_the_pod_without_a_certificate(
        renderings: dict[str, Rendering], tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("not a certificate\n")
    result = _run_init_script(renderings["conductor-server-ci-tls"], bundle,
                              tmp_path / "truststore.p12")
    assert result.returncode == 1
    assert "no PEM certificate in" in result.stderr
