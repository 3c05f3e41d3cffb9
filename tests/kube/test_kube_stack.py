"""scripts/kube-stack: a working control plane in one command, on loopback only, with the
API server's guards on, and nothing left running after `down`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.kube import KUBE_STACK, Api, Cluster, run_kube_stack
from tests.support.stacks import parse_assignments

sys.path.insert(0, str(KUBE_STACK.parent))

from conductor_stack.processes import pid_alive  # noqa: E402  (scripts/ packages)
from kube_stack import certs  # noqa: E402

pytestmark = pytest.mark.kube


def listening_addresses(pid: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp writes them) the process listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(fields[1].split(":")[0])
    return found


def test_up_status_down(tmp_path: Path) -> None:
    up = parse_assignments(run_kube_stack("up", "--state-dir", str(tmp_path)).stdout)
    try:
        assert up["KUBECONFIG"] == str(tmp_path / "kubeconfig")
        status = parse_assignments(
            run_kube_stack("status", "--state-dir", str(tmp_path)).stdout)
        pids = {name: int(value) for name, value in status.items() if name.endswith("_PID")}
        assert set(pids) == {"ETCD_PID", "KUBE_APISERVER_PID", "KUBE_CONTROLLER_MANAGER_PID",
                             "KUBE_SCHEDULER_PID", "KWOK_PID"}
        for name, pid in pids.items():
            addresses = listening_addresses(pid)
            assert addresses and addresses <= {"0100007F"}, (name, addresses)
            assert Path(status[name.replace("_PID", "_LOG")]).is_file()
    finally:
        run_kube_stack("down", "--state-dir", str(tmp_path))
    # Gone, or a zombie its new parent has not reaped yet: nothing runs.
    assert not [name for name, pid in pids.items() if pid_alive(pid)]
    assert not (tmp_path / "etcd").exists()


def test_three_ready_nodes_and_the_operator_crds(cluster: Cluster) -> None:
    nodes = json.loads(cluster.run_kubectl("get", "nodes", "-o", "json").stdout)["items"]
    assert [n["metadata"]["name"] for n in nodes] == ["kwok-node-0", "kwok-node-1",
                                                      "kwok-node-2"]
    assert all(any(c["type"] == "Ready" and c["status"] == "True"
                   for c in n["status"]["conditions"]) for n in nodes)
    version = json.loads(cluster.run_kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == version["clientVersion"]["gitVersion"]
    assert version["serverVersion"]["gitVersion"] == "v1.37.2"
    crds = cluster.run_kubectl("get", "crd", "-o", "name").stdout.split()
    assert "customresourcedefinition.apiextensions.k8s.io/servicemonitors.monitoring.coreos.com" \
        in crds


def pod(name: str, security: dict[str, object]) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox:1.37.0",
                                     "securityContext": security}]}}


def test_privileged_pods_and_the_restricted_level_are_enforced(cluster: Cluster,
                                                               admin: Api) -> None:
    refused = admin.request("POST", "/api/v1/namespaces/default/pods",
                            pod("privileged", {"privileged": True}))
    assert refused.status_code == 422, refused.text
    assert "privileged" in refused.text
    cluster.run_kubectl("create", "namespace", "psa-check")
    cluster.run_kubectl("label", "namespace", "psa-check",
                        "pod-security.kubernetes.io/enforce=restricted")
    try:
        bare = admin.request("POST", "/api/v1/namespaces/psa-check/pods", pod("bare", {}))
        assert bare.status_code == 403, bare.text
        assert 'violates PodSecurity "restricted' in bare.json()["message"]
    finally:
        admin.request("DELETE", "/api/v1/namespaces/psa-check")


def test_the_serving_certificate_names_every_address_pods_and_clients_use(
        tmp_path: Path) -> None:
    pki = certs.make_pki(tmp_path / "pki")
    text = subprocess.run(["openssl", "x509", "-in", str(pki.server_cert), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    for name in ("IP Address:127.0.0.1", f"IP Address:{certs.KUBERNETES_SERVICE_IP}",
                 "DNS:kubernetes.default.svc"):
        assert name in text
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(pki.ca_cert),
                               str(pki.server_cert)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert {oct(path.stat().st_mode & 0o777) for path in pki.folder.iterdir()} == {"0o600"}
