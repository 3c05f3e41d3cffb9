"""Every version kube-stack builds and runs, pinned here and nowhere else.

Each tool is built from the Go module proxy into a folder of ``.tools/`` named after its
version, so a new pin builds beside the old one and a present build is reused.
"""

from __future__ import annotations

#: The control plane: kube-apiserver, kube-controller-manager, kube-scheduler and kubectl,
#: all from k8s.io/kubernetes, whose staging modules (client-go, api, …) are served at
#: v0.<minor>.<patch>.
KUBERNETES = "v1.37.2"
ETCD = "v3.6.16"
#: Fakes the nodes and the status of the pods scheduled on them (no container runs).
KWOK = "v0.8.0"
#: Generates the Prometheus Operator's CRDs from its Go types (no registry ships the YAML).
CONTROLLER_GEN = "v0.23.0"
PROMETHEUS_OPERATOR = "v0.95.2"
#: The Helm clients the chart tests run: the charts support both majors.
HELM_V4 = "v4.3.2"
HELM_V3 = "v3.22.1"


def staging_version(kubernetes: str = KUBERNETES) -> str:
    """k8s.io/kubernetes vX.Y.Z publishes its staging modules as v0.Y.Z."""
    _, minor, patch = kubernetes.lstrip("v").split(".")
    return f"v0.{minor}.{patch}"
