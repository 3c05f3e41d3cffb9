"""The local control plane of scripts/kube-stack as the chart tests use it: its API, the
Helm clients, and namespaces set up as a platform team would set them up.

The API is read with httpx (a poll every few hundred milliseconds costs far less than a
kubectl process); Helm and kubectl run as the binaries kube-stack built, with the commands
the README gives.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import ssl
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.paths import REPO_ROOT
from tests.support.stacks import parse_assignments

KUBE_STACK = REPO_ROOT / "scripts" / "kube-stack"
#: The Role a release's deploying identity needs, shipped for users (README, install).
RELEASE_MANAGER_RBAC = REPO_ROOT / "docs" / "kubernetes" / "release-manager.yaml"
RELEASE_MANAGER = "release-manager"
RESTRICTED = {"pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/enforce-version": "latest"}


@dataclasses.dataclass(frozen=True)
class Credentials:
    """Where the API server is and who talks to it: read from a kubeconfig."""

    kubeconfig: Path
    server: str
    ca_file: str
    token: str

    @classmethod
    def load(cls, kubeconfig: Path) -> Credentials:
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        return cls(kubeconfig, cluster["server"], cluster["certificate-authority"],
                   config["users"][0]["user"]["token"])


class Api:
    """A few verbs of the Kubernetes REST API, with one identity."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._client = httpx.Client(
            base_url=credentials.server, timeout=30,
            verify=ssl.create_default_context(cafile=credentials.ca_file),
            headers={"Authorization": f"Bearer {credentials.token}"})

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self._client.request(method, path, json=body)

    def get(self, path: str) -> dict[str, Any]:
        response = self.request("GET", path)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def items(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.get(path)["items"]
        return items

    def secret_data(self, namespace: str, name: str) -> dict[str, str]:
        secret = self.get(f"/api/v1/namespaces/{namespace}/secrets/{name}")
        return {key: base64.b64decode(value).decode()
                for key, value in (secret.get("data") or {}).items()}

    def config_map_data(self, namespace: str, name: str) -> dict[str, str]:
        data: dict[str, str] = self.get(
            f"/api/v1/namespaces/{namespace}/configmaps/{name}").get("data") or {}
        return data


@dataclasses.dataclass(frozen=True)
class Cluster:
    """A running control plane: its admin, and the kubectl built with it."""

    admin: Credentials
    kubectl: Path
    helms: Mapping[str, Path]

    def run_kubectl(self, *args: str, kubeconfig: Path | None = None,
                    stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.kubectl), "--kubeconfig", str(kubeconfig or self.admin.kubeconfig), *args],
            input=stdin, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, f"kubectl {' '.join(args)}:\n{result.stderr}"
        return result


def start_cluster(state_dir: Path) -> Cluster:
    """`kube-stack up` in `state_dir`; the build (and Helm's) must be present or is made."""
    built = parse_assignments(run_kube_stack("build").stdout)
    up = parse_assignments(run_kube_stack("up", "--state-dir", str(state_dir)).stdout)
    return Cluster(Credentials.load(Path(up["KUBECONFIG"])), Path(built["KUBECTL"]),
                   {"v4": Path(built["HELM"]), "v3": Path(built["HELM_V3"])})


def run_kube_stack(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(KUBE_STACK), *args], capture_output=True, text=True,
                            timeout=3600, check=False)
    assert result.returncode == 0, f"kube-stack {' '.join(args)}:\n{result.stderr[-4000:]}"
    return result


@dataclasses.dataclass(frozen=True)
class Namespace:
    """A namespace under the restricted Pod Security level, and the release manager's
    kubeconfig: a service account that holds the Role release-manager.yaml grants."""

    name: str
    kubeconfig: Path
    api: Api


def restricted_namespace(cluster: Cluster, name: str, workdir: Path) -> Namespace:
    """Creates the namespace and the release manager as the README's install section does."""
    cluster.run_kubectl("create", "namespace", name)
    cluster.run_kubectl("label", "namespace", name,
                        *(f"{key}={value}" for key, value in RESTRICTED.items()))
    cluster.run_kubectl("apply", "-n", name, "-f", str(RELEASE_MANAGER_RBAC))
    cluster.run_kubectl("create", "rolebinding", RELEASE_MANAGER, "-n", name,
                        "--role", RELEASE_MANAGER, "--serviceaccount",
                        f"{name}:{RELEASE_MANAGER}")
    token = cluster.run_kubectl("create", "token", RELEASE_MANAGER, "-n", name,
                                "--duration", "2h").stdout.strip()
    kubeconfig = workdir / f"{name}.kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "kube-stack", "cluster": {
            "server": cluster.admin.server,
            "certificate-authority": cluster.admin.ca_file}}],
        "users": [{"name": RELEASE_MANAGER, "user": {"token": token}}],
        "contexts": [{"name": name, "context": {"cluster": "kube-stack",
                                               "user": RELEASE_MANAGER, "namespace": name}}],
        "current-context": name}))
    kubeconfig.chmod(0o600)
    return Namespace(name, kubeconfig, Api(Credentials.load(kubeconfig)))


@dataclasses.dataclass(frozen=True)
class Helm:
    """One Helm client binary, with its own config and cache folders."""

    version: str
    binary: Path
    home: Path

    def run(self, namespace: Namespace, *args: str,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home),
               "KUBECONFIG": str(namespace.kubeconfig),
               "HELM_CONFIG_HOME": str(self.home / "config"),
               "HELM_CACHE_HOME": str(self.home / "cache"),
               "HELM_DATA_HOME": str(self.home / "data")}
        result = subprocess.run([str(self.binary), *args, "--namespace", namespace.name],
                                capture_output=True, text=True, env=env, timeout=1500,
                                check=False)
        if check:
            assert result.returncode == 0, (
                f"helm {self.version} {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
        return result


#: The namespaced kinds a release of these charts can leave behind, by API path.
NAMESPACED_KINDS = {
    "Pod": "/api/v1/namespaces/{ns}/pods",
    "Service": "/api/v1/namespaces/{ns}/services",
    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps",
    "Secret": "/api/v1/namespaces/{ns}/secrets",
    "ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts",
    "PersistentVolumeClaim": "/api/v1/namespaces/{ns}/persistentvolumeclaims",
    "Deployment": "/apis/apps/v1/namespaces/{ns}/deployments",
    "ReplicaSet": "/apis/apps/v1/namespaces/{ns}/replicasets",
    "StatefulSet": "/apis/apps/v1/namespaces/{ns}/statefulsets",
    "Job": "/apis/batch/v1/namespaces/{ns}/jobs",
    "CronJob": "/apis/batch/v1/namespaces/{ns}/cronjobs",
    "PodDisruptionBudget": "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
    "HorizontalPodAutoscaler": "/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
    "Ingress": "/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
    "NetworkPolicy": "/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies",
    "EndpointSlice": "/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices",
    "ServiceMonitor": "/apis/monitoring.coreos.com/v1/namespaces/{ns}/servicemonitors",
    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
}


def inventory(api: Api, namespace: str) -> set[str]:
    """Every object of those kinds in the namespace, as `Kind/name`."""
    return {f"{kind}/{item['metadata']['name']}"
            for kind, path in NAMESPACED_KINDS.items()
            for item in api.items(path.format(ns=namespace))}


def ready(pod: dict[str, Any]) -> bool:
    """Ready and not on its way out: what a Service would route to."""
    return "deletionTimestamp" not in pod["metadata"] and any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod.get("status", {}).get("conditions", []))


def selector_query(match_labels: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(match_labels.items()))
