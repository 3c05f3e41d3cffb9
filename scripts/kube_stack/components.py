"""How each process of the control plane is started: its command line, and how to tell it is up.

Every listener binds 127.0.0.1. The API server runs with RBAC, privileged pods refused and
its built-in admission (Pod Security included); with no kubelet to report its own address,
the ``kubernetes`` Service's endpoints are not reconciled (``--endpoint-reconciler-type=none``).
"""

from __future__ import annotations

import dataclasses
import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from kube_stack import build
from kube_stack.certs import SERVICE_CIDR, Pki

#: Fake nodes kwok manages (by this annotation): names, and what each offers to the scheduler.
NODE_NAMES = ("kwok-node-0", "kwok-node-1", "kwok-node-2")
KWOK_ANNOTATION = "kwok.x-k8s.io/node"


@dataclasses.dataclass(frozen=True)
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int
    kwok: int


def etcd(state_dir: Path, ports: Ports) -> list[str]:
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    client = f"http://127.0.0.1:{ports.etcd}"
    return [str(build.ETCD.folder / "bin" / "etcd"), "--name", "kube-stack",
            "--data-dir", str(state_dir / "etcd"),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", f"kube-stack={peer}",
            # A throwaway test cluster: durability is not worth the disk syncs.
            "--unsafe-no-fsync", "--log-level", "warn"]


def apiserver(state_dir: Path, ports: Ports, pki: Pki) -> list[str]:
    return [str(build.KUBERNETES.folder / "bin" / "kube-apiserver"),
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(ports.apiserver),
            "--etcd-servers", f"http://127.0.0.1:{ports.etcd}",
            "--cert-dir", str(state_dir / "apiserver"),
            "--tls-cert-file", str(pki.server_cert), "--tls-private-key-file", str(pki.server_key),
            "--client-ca-file", str(pki.ca_cert), "--token-auth-file", str(pki.token_file),
            "--authorization-mode", "Node,RBAC", "--allow-privileged=false",
            "--service-cluster-ip-range", SERVICE_CIDR, "--endpoint-reconciler-type", "none",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", str(pki.sa_pub),
            "--service-account-signing-key-file", str(pki.sa_key),
            "--profiling=false", "--v", "1"]


def controller_manager(ports: Ports, pki: Pki, kubeconfig: Path) -> list[str]:
    return [str(build.KUBERNETES.folder / "bin" / "kube-controller-manager"),
            "--kubeconfig", str(kubeconfig), "--bind-address", "127.0.0.1",
            "--secure-port", str(ports.controller_manager), "--leader-elect=false",
            # Each controller acts as its own service account, which the default RBAC roles
            # (system:controller:*) authorise.
            "--use-service-account-credentials", "--service-account-private-key-file",
            str(pki.sa_key), "--root-ca-file", str(pki.ca_cert),
            "--service-cluster-ip-range", SERVICE_CIDR, "--v", "1"]


def scheduler(ports: Ports, kubeconfig: Path) -> list[str]:
    return [str(build.KUBERNETES.folder / "bin" / "kube-scheduler"),
            "--kubeconfig", str(kubeconfig), "--bind-address", "127.0.0.1",
            "--secure-port", str(ports.scheduler), "--leader-elect=false", "--v", "1"]


#: A pod that runs to completion (restartPolicy Never or OnFailure: a Job's pod, a `helm test`
#: pod) ends Succeeded, after the delay its annotation `pod-complete.stage.kwok.x-k8s.io/delay`
#: names (e.g. "600s": a Job that outlives its deadline), else at once. kwok's own stage
#: completes only the pods of Jobs.
POD_COMPLETE = """\
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: kube-stack-pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
    - key: '.spec.restartPolicy'
      operator: 'In'
      values: ['Never', 'OnFailure']
  delay:
    durationMilliseconds: 0
    durationFrom:
      expressionFrom: '.metadata.annotations["pod-complete.stage.kwok.x-k8s.io/delay"]'
  next:
    statusTemplate: |
      {{ $now := Now }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
"""

#: kwok's stages that run here, with ours: nodes become Ready and renew their leases; pods are
#: Ready as soon as they are scheduled, deleted pods go.
KWOK_STAGES = ("node/fast/node-initialize.yaml",
               "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
               "pod/fast/pod-ready.yaml", "pod/fast/pod-delete.yaml")


def kwok_config(state_dir: Path) -> Path:
    """One file with kwok's stages (replacing its built-in defaults) and ours."""
    stages = [(build.KWOK.folder / "stage" / name).read_text() for name in KWOK_STAGES]
    path = state_dir / "kwok-stages.yaml"
    path.write_text("\n---\n".join([*stages, POD_COMPLETE]))
    return path


def kwok(state_dir: Path, ports: Ports, kubeconfig: Path) -> list[str]:
    return [str(build.KWOK.folder / "bin" / "kwok"), "--kubeconfig", str(kubeconfig),
            "--config", str(kwok_config(state_dir)),
            f"--manage-nodes-with-annotation-selector={KWOK_ANNOTATION}=fake",
            # The nodes renew a Lease, as kubelets do: the controller-manager's node
            # lifecycle controller keeps them Ready.
            "--node-lease-duration-seconds", "40",
            "--node-ip", "127.0.0.1", "--cidr", "10.244.0.0/16",
            "--server-address", f"127.0.0.1:{ports.kwok}"]


def nodes_manifest() -> str:
    """The fake nodes, as kwok's documentation declares them (kwok fills their status)."""
    items = [{
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "annotations": {KWOK_ANNOTATION: "fake"},
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64", "type": "kwok",
                                "topology.kubernetes.io/zone": f"zone-{index}"}},
        "status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                   "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}},
    } for index, name in enumerate(NODE_NAMES)]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def api_ready(server: str, pki: Pki) -> bool:
    """Whether the API server answers /readyz with ok, as the admin."""
    context = ssl.create_default_context(cafile=str(pki.ca_cert))
    request = urllib.request.Request(f"{server}/readyz",
                                     headers={"Authorization": f"Bearer {pki.tokens['admin']}"})
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False
