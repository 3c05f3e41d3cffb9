"""The control plane (started once a run), the charts as a user builds them, the Helm
clients, and one namespace per test set up as the README's install section sets it up.

``KUBE_TEST_KUBECONFIG`` points the suite at a control plane `scripts/kube-stack up`
already started (its admin kubeconfig) instead of starting one.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.kube import (
    Api,
    Cluster,
    Credentials,
    Helm,
    Namespace,
    inventory,
    restricted_namespace,
    run_kube_stack,
    start_cluster,
)
from tests.support.paths import REPO_ROOT
from tests.support.stacks import parse_assignments, wait_for

pytestmark = pytest.mark.kube

#: The Secrets and ConfigMap the charts' ci/ values name (created beforehand by the user, as
#: the README says), by kind and name: key -> a dummy value.
PREREQUISITES = {
    ("secret", "conductor-db"): {"db-password": "kube-test-db-password"},
    ("secret", "conductor-redis"): {"redis-password": "kube-test-redis-password"},
    ("secret", "redis-tls"): {"ca.crt": "-----BEGIN CERTIFICATE-----\nkube-test\n"},
    ("configmap", "redis-cluster-ca"): {"ca.crt": "-----BEGIN CERTIFICATE-----\nkube-test\n"},
}


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """kube-stack's control plane with three fake nodes, shared by the session."""
    existing = os.environ.get("KUBE_TEST_KUBECONFIG")
    if existing:
        built = parse_assignments(run_kube_stack("build").stdout)
        yield Cluster(Credentials.load(Path(existing)), Path(built["KUBECTL"]),
                      {"v4": Path(built["HELM"]), "v3": Path(built["HELM_V3"])})
        return
    state_dir = tmp_path_factory.mktemp("kube-stack")
    try:
        yield start_cluster(state_dir)
    finally:
        run_kube_stack("down", "--state-dir", str(state_dir))


@pytest.fixture(scope="session")
def admin(cluster: Cluster) -> Iterator[Api]:
    api = Api(cluster.admin)
    yield api
    api.close()


@pytest.fixture(scope="session")
def charts_dir(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of charts/ whose dependencies `scripts/chart-dependencies` built, as the README
    has a user build them."""
    target = tmp_path_factory.mktemp("kube-charts") / "charts"
    shutil.copytree(REPO_ROOT / "charts", target,
                    ignore=shutil.ignore_patterns("charts", "*.tgz"))
    env = {**os.environ, "PATH": f"{cluster.helms['v4'].parent}{os.pathsep}{os.environ['PATH']}",
           "HELM_CACHE_HOME": str(target.parent / "helm-cache"),
           "HELM_CONFIG_HOME": str(target.parent / "helm-config")}
    subprocess.run([str(REPO_ROOT / "scripts" / "chart-dependencies"), str(target)], env=env,
                   capture_output=True, text=True, check=True, timeout=300)
    return target


def helm_client(cluster: Cluster, version: str, home: Path) -> Helm:
    return Helm(version, cluster.helms[version], home)


@pytest.fixture(params=["v4", "v3"], ids=["helm-v4", "helm-v3"])
def helm(request: pytest.FixtureRequest, cluster: Cluster,
         tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """Each Helm major the charts support, in turn."""
    return helm_client(cluster, request.param, tmp_path_factory.mktemp(f"helm-{request.param}"))


@pytest.fixture
def helm_v4(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return helm_client(cluster, "v4", tmp_path_factory.mktemp("helm-v4"))


_counter = itertools.count()

NamespaceFactory = Callable[[str], Namespace]


@pytest.fixture
def new_namespace(cluster: Cluster, admin: Api, tmp_path: Path) -> Iterator[NamespaceFactory]:
    """Makes restricted namespaces with a release manager and the charts' prerequisites;
    deletes them afterwards."""
    made: list[Namespace] = []

    def make(prefix: str) -> Namespace:
        name = f"{prefix}-{os.getpid() % 10000}-{next(_counter)}"[:63]
        namespace = restricted_namespace(cluster, name, tmp_path)
        for (kind, object_name), data in PREREQUISITES.items():
            literals = [f"--from-literal={key}={value}" for key, value in data.items()]
            args = (["create", "secret", "generic"] if kind == "secret"
                    else ["create", "configmap"])
            cluster.run_kubectl(*args, object_name, "-n", name, *literals,
                                kubeconfig=namespace.kubeconfig)
        made.append(namespace)
        # What the controller-manager adds to every new namespace is there before a test
        # takes its inventory.
        assert wait_for(lambda: {"ConfigMap/kube-root-ca.crt", "ServiceAccount/default"}
                        <= inventory(admin, name), timeout=60, interval=0.2)
        return namespace

    yield make
    for namespace in made:
        namespace.api.close()
        admin.request("DELETE", f"/api/v1/namespaces/{namespace.name}")
