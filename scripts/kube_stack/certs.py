"""The cluster's credentials, made with openssl: a CA, the API server's serving certificate,
the service-account signing key pair, and a static token per component.

Everything is written to ``<state-dir>/pki`` (keys 0600) and lives as long as the state dir.
The components and the admin authenticate with static tokens (``--token-auth-file``); the
admin and kwok are in ``system:masters``, the controller-manager and the scheduler are the
users the API server's default RBAC roles are bound to.
"""

from __future__ import annotations

import dataclasses
import secrets
import subprocess
from pathlib import Path

from kube_stack.base import StackError

#: The first address of the service range: the ``kubernetes`` Service's cluster IP, which
#: pods use to reach the API server and which its certificate must name.
SERVICE_CIDR = "10.96.0.0/16"
KUBERNETES_SERVICE_IP = "10.96.0.1"

#: (user, groups) per token; the component names are those the default RBAC bindings name.
USERS = {
    "admin": ("kube-stack-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", ""),
    "scheduler": ("system:kube-scheduler", ""),
    "kwok": ("kube-stack-kwok", "system:masters"),
}


@dataclasses.dataclass(frozen=True)
class Pki:
    """Paths of the files `make_pki` wrote, and each user's token."""

    folder: Path
    tokens: dict[str, str]

    @property
    def ca_cert(self) -> Path:
        return self.folder / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.folder / "ca.key"

    @property
    def server_cert(self) -> Path:
        return self.folder / "apiserver.crt"

    @property
    def server_key(self) -> Path:
        return self.folder / "apiserver.key"

    @property
    def sa_key(self) -> Path:
        return self.folder / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.folder / "sa.pub"

    @property
    def token_file(self) -> Path:
        return self.folder / "tokens.csv"


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def make_pki(folder: Path) -> Pki:
    """Writes a fresh CA, serving certificate, service-account keys and token file."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    pki = Pki(folder, {name: secrets.token_hex(24) for name in USERS})
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
             "-keyout", pki.ca_key.name, "-out", pki.ca_cert.name,
             "-subj", "/CN=kube-stack-ca", cwd=folder)
    names = ["DNS:localhost", "DNS:kubernetes", "DNS:kubernetes.default",
             "DNS:kubernetes.default.svc", "DNS:kubernetes.default.svc.cluster.local",
             "IP:127.0.0.1", f"IP:{KUBERNETES_SERVICE_IP}"]
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", pki.server_key.name,
             "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver", cwd=folder)
    (folder / "apiserver.ext").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        f"extendedKeyUsage=serverAuth\nsubjectAltName={','.join(names)}\n")
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", pki.ca_cert.name,
             "-CAkey", pki.ca_key.name, "-CAcreateserial", "-days", "3650",
             "-extfile", "apiserver.ext", "-out", pki.server_cert.name, cwd=folder)
    _openssl("genrsa", "-out", pki.sa_key.name, "2048", cwd=folder)
    _openssl("rsa", "-in", pki.sa_key.name, "-pubout", "-out", pki.sa_pub.name, cwd=folder)
    rows = [f'{pki.tokens[name]},{user},{user},"{groups}"' if groups
            else f"{pki.tokens[name]},{user},{user}" for name, (user, groups) in USERS.items()]
    pki.token_file.write_text("\n".join(rows) + "\n")
    for path in folder.iterdir():
        path.chmod(0o600)
    return pki


def kubeconfig(pki: Pki, user: str, server: str) -> str:
    """A kubeconfig for `user` (a key of USERS) that trusts the cluster's CA by path."""
    return f"""apiVersion: v1
kind: Config
clusters:
- name: kube-stack
  cluster:
    server: {server}
    certificate-authority: {pki.ca_cert}
users:
- name: {user}
  user:
    token: {pki.tokens[user]}
contexts:
- name: kube-stack
  context:
    cluster: kube-stack
    user: {user}
    namespace: default
current-context: kube-stack
"""
