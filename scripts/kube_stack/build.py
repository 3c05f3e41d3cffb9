"""Building the control plane's binaries and the Prometheus Operator's CRDs from the Go proxy.

Each tool goes into ``<tools>/<name>-<version>/``, built in a ``.partial`` folder beside it and
renamed when complete: a folder that exists is a finished build and is reused. The Go build and
module caches are the user's own (``go env GOCACHE GOMODCACHE``), so a rebuild after a new pin
reuses what did not change. Builds run under ``nice`` (they take minutes on two cores) and log
to ``build.log`` in their folder.

kube-apiserver and etcd cannot be ``go install``-ed (their go.mod files have ``replace``
directives), so each is built from a small module written here that requires them.
"""

from __future__ import annotations

import dataclasses
import datetime
import fcntl
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from kube_stack import versions
from kube_stack.base import StackError, log, tail_file, tools_dir

KUBE_COMMANDS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")

#: Staging modules named in k8s.io/kubernetes's go.mod that the proxy does not serve at the
#: staging version; nothing the control plane builds imports them.
_UNSERVED_STAGING = {"k8s.io/sample-cli-plugin", "k8s.io/sample-controller"}


@dataclasses.dataclass(frozen=True)
class Tool:
    """One version-keyed folder under the tools dir and how to fill it."""

    name: str
    version: str
    build: Callable[[Path], None]

    @property
    def folder(self) -> Path:
        return tools_dir() / f"{self.name}-{self.version}"

    def ensure(self) -> Path:
        """The folder, built first unless present; one build at a time per folder (two
        test runs on one machine share the tools dir)."""
        if self.folder.is_dir():
            return self.folder
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with open(self.folder.with_name(self.folder.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.folder.is_dir():
                self._build()
        return self.folder

    def _build(self) -> None:
        partial = self.folder.with_name(self.folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        log(f"building {self.name} {self.version} (log: {partial.name}/build.log) ...")
        started = datetime.datetime.now()
        self.build(partial)
        partial.rename(self.folder)
        seconds = (datetime.datetime.now() - started).total_seconds()
        log(f"built {self.name} {self.version} in {seconds:.0f} s")


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    # The local Go builds everything: no toolchain download; static binaries, no C compiler.
    env.update(GOTOOLCHAIN="local", CGO_ENABLED="0", GOFLAGS=env.get("GOFLAGS", "-buildvcs=false"))
    return env


def _go(args: Sequence[str], cwd: Path, folder: Path,
        extra_env: dict[str, str] | None = None) -> str:
    """Run `go ARGS` at low priority, appending its output to the folder's build log."""
    if shutil.which("go") is None:
        raise StackError("no `go` on PATH: install Go 1.26 or newer (https://go.dev/dl/)")
    build_log = folder / "build.log"
    env = _go_env() | (extra_env or {})
    with build_log.open("a") as out:
        out.write(f"$ go {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(["nice", "-n", "5", "go", *args], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=out, text=True, check=False)
        out.write(result.stdout)
    if result.returncode != 0:
        raise StackError(f"`go {' '.join(args)}` failed:\n{tail_file(build_log)}", log=build_log)
    return result.stdout


def _module_info(module: str, folder: Path) -> dict[str, str]:
    info: dict[str, str] = json.loads(_go(["mod", "download", "-json", module], folder, folder))
    return info


def _write_module(src: Path, name: str, go_mod_body: str, imports: Sequence[str]) -> None:
    """A module of our own whose tools.go blank-imports what it builds (so `go mod tidy`
    keeps the requirements)."""
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text(f"module kube-stack.local/{name}\n\ngo 1.25\n\n{go_mod_body}")
    lines = "\n".join(f'\t_ "{path}"' for path in imports)
    (src / "tools.go").write_text(f"//go:build tools\n\npackage tools\n\nimport (\n{lines}\n)\n")


def _version_ldflags(kubernetes: str) -> str:
    """Stamp the version the binaries report: an unstamped apiserver says v0.0.0-master, and a
    chart's `kubeVersion: >=1.30.0-0` then refuses to install."""
    major, minor, _ = kubernetes.lstrip("v").split(".")
    stamp = {"gitVersion": kubernetes, "gitMajor": major, "gitMinor": minor,
             "gitTreeState": "clean",
             "buildDate": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {package}.{key}={value}" for key, value in stamp.items()]
    return " ".join(flags)


def _build_kubernetes(folder: Path) -> None:
    kubernetes = versions.KUBERNETES
    staging = versions.staging_version(kubernetes)
    go_mod = Path(_module_info(f"k8s.io/kubernetes@{kubernetes}", folder)["GoMod"]).read_text()
    replaced = sorted(set(re.findall(r"^\s*(k8s\.io/[\w.-]+) => \./staging/", go_mod, re.MULTILINE))
                      - _UNSERVED_STAGING)
    if not replaced:
        raise StackError(f"found no staging modules in k8s.io/kubernetes@{kubernetes}'s go.mod")
    replaces = "\n".join(f"\t{module} => {module} {staging}" for module in replaced)
    src = folder / "src"
    _write_module(src, "kubernetes",
                  f"require k8s.io/kubernetes {kubernetes}\n\nreplace (\n{replaces}\n)\n",
                  [f"k8s.io/kubernetes/cmd/{command}" for command in KUBE_COMMANDS])
    _go(["mod", "tidy"], src, folder)
    _go(["build", "-trimpath", "-ldflags", _version_ldflags(kubernetes),
         "-o", str(folder / "bin") + "/",
         *(f"k8s.io/kubernetes/cmd/{command}" for command in KUBE_COMMANDS)], src, folder)
    shutil.rmtree(src)


def _build_etcd(folder: Path) -> None:
    src = folder / "src"
    _write_module(src, "etcd", f"require go.etcd.io/etcd/server/v3 {versions.ETCD}\n",
                  ["go.etcd.io/etcd/server/v3"])
    _go(["mod", "tidy"], src, folder)
    _go(["build", "-trimpath", "-ldflags", "-s -w", "-o", str(folder / "bin" / "etcd"),
         "go.etcd.io/etcd/server/v3"], src, folder)
    shutil.rmtree(src)


def _go_install(package: str) -> Callable[[Path], None]:
    def build(folder: Path) -> None:
        _go(["install", "-trimpath", "-ldflags", "-s -w", package], folder, folder,
            {"GOBIN": str(folder / "bin")})
    return build


def _build_kwok(folder: Path) -> None:
    _go_install(f"sigs.k8s.io/kwok/cmd/kwok@{versions.KWOK}")(folder)
    # The stages (how a fake node and a fake pod move through their statuses) ship as YAML in
    # the module, not in the binary's defaults we rely on: keep a copy beside the binary.
    module_dir = Path(_module_info(f"sigs.k8s.io/kwok@{versions.KWOK}", folder)["Dir"])
    shutil.copytree(module_dir / "kustomize" / "stage", folder / "stage",
                    ignore=shutil.ignore_patterns("*.go", "testdata"))
    for path in (folder / "stage").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


CONTROLLER_GEN = Tool("controller-gen", versions.CONTROLLER_GEN,
                      _go_install(f"sigs.k8s.io/controller-tools/cmd/controller-gen@{versions.CONTROLLER_GEN}"))

_MONITORING = "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring"


def _build_crds(folder: Path) -> None:
    controller_gen = CONTROLLER_GEN.ensure() / "bin" / "controller-gen"
    src = folder / "src"
    _write_module(src, "crds", f"require {_MONITORING} {versions.PROMETHEUS_OPERATOR}\n",
                  [f"{_MONITORING}/v1"])
    _go(["mod", "tidy"], src, folder)
    build_log = folder / "build.log"
    with build_log.open("a") as out:
        result = subprocess.run(
            ["nice", "-n", "5", str(controller_gen), "crd", f"paths={_MONITORING}/v1",
             f"output:crd:dir={folder / 'crds'}"],
            cwd=src, env=_go_env(), stdout=out, stderr=out, check=False)
    if result.returncode != 0 or not list((folder / "crds").glob("*.yaml")):
        raise StackError(f"controller-gen failed:\n{tail_file(build_log)}", log=build_log)
    shutil.rmtree(src)


KUBERNETES = Tool("kube", versions.KUBERNETES, _build_kubernetes)
ETCD = Tool("etcd", versions.ETCD, _build_etcd)
KWOK = Tool("kwok", versions.KWOK, _build_kwok)
CRDS = Tool("prometheus-operator-crds", versions.PROMETHEUS_OPERATOR, _build_crds)
HELM_V4 = Tool("helm", versions.HELM_V4,
               _go_install(f"helm.sh/helm/v4/cmd/helm@{versions.HELM_V4}"))
HELM_V3 = Tool("helm", versions.HELM_V3,
               _go_install(f"helm.sh/helm/v3/cmd/helm@{versions.HELM_V3}"))

#: What `up` needs, then the Helm clients the chart tests run.
CONTROL_PLANE = (KUBERNETES, ETCD, KWOK, CRDS)
HELM_CLIENTS = (HELM_V4, HELM_V3)


def ensure_all(tools: Sequence[Tool] = CONTROL_PLANE + HELM_CLIENTS) -> None:
    for tool in tools:
        tool.ensure()
