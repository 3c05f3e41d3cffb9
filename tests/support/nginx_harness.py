"""Runs docker/ui's start-up steps and Debian's nginx the way the image does.

What the image does at start, and what this module does instead:

* ``/docker-entrypoint.sh`` runs ``/docker-entrypoint.d/*`` in ``sort -V``
  order: executable ``*.envsh`` are sourced, executable ``*.sh`` are run, the
  loop runs under ``set -e``. Here a few lines of ``sh`` (``ENTRYPOINT_DRIVER``)
  do the same with *our own* scripts from ``docker/ui/docker-entrypoint.d``,
  unchanged, under ``/bin/sh``.
* ``20-envsubst-on-templates.sh`` (part of the base image, not of this
  repository) renders ``templates/*.template`` with ``envsubst``, passing it only
  the names of variables that are defined in the environment and match
  ``NGINX_ENVSUBST_FILTER``. Here ``render_templates`` re-implements that
  selection in Python and runs the same GNU ``envsubst`` binary.
* The base image's ``nginx.conf`` includes ``conf.d/*.conf`` inside ``http``,
  with the pid and temp paths moved to writable places; ``MAIN_CONF`` is the
  equivalent under a prefix directory.

Two lines of the rendered server block are changed for a test run, and only
those: ``listen 8080;`` becomes a free loopback port and ``root`` points at a
stand-in build.

Everything runs as an unprivileged user (``nobody`` when the tests run as
root), like UID 101 in the image.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.paths import REPO_ROOT
from tests.support.stacks import free_port

UI_DIR = REPO_ROOT / "docker" / "ui"
ENTRYPOINT_D = UI_DIR / "docker-entrypoint.d"
TEMPLATES = UI_DIR / "templates"
NGINX = Path("/usr/sbin/nginx")
ENVSUBST = shutil.which("envsubst") or "/usr/bin/envsubst"
MIME_TYPES = Path("/etc/nginx/mime.types")
UNPRIVILEGED_UID = 65534  # nobody
# What the Dockerfile sets with ENV.
IMAGE_ENV = {"NGINX_ENVSUBST_FILTER": "^CONDUCTOR_BASE_URL$"}

ENTRYPOINT_DRIVER = r"""
set -e
scripts_dir=$1
env_out=$2
find "$scripts_dir" -mindepth 1 -maxdepth 1 -type f -print | sort -V | {
    while read -r f; do
        case "$f" in
            *.envsh) if [ -x "$f" ]; then . "$f"; fi ;;
            *.sh) if [ -x "$f" ]; then "$f"; fi ;;
        esac
    done
    env -0 > "$env_out"
}
"""

MAIN_CONF = """\
worker_processes 1;
error_log {prefix}/logs/error.log notice;
pid {prefix}/nginx.pid;

events {{
    worker_connections 1024;
}}

http {{
    include {mime_types};
    default_type application/octet-stream;
    access_log {prefix}/logs/access.log;
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path {prefix}/tmp/client_temp;
    proxy_temp_path {prefix}/tmp/proxy_temp;
    fastcgi_temp_path {prefix}/tmp/fastcgi_temp;
    uwsgi_temp_path {prefix}/tmp/uwsgi_temp;
    scgi_temp_path {prefix}/tmp/scgi_temp;
    include {prefix}/conf.d/*.conf;
}}
"""

# The stand-in build: what `yarn build` lays out, in miniature. The script,
# loaded from a deep route, asks the Conductor API through the proxy and
# writes what it got into the page.
STANDIN_JS_NAME = "main.3f9a1c2e.js"
STANDIN_CSS_NAME = "main.7b1d04aa.css"
STANDIN_INDEX = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Conductor UI (stand-in)</title>
<link href="/static/css/{STANDIN_CSS_NAME}" rel="stylesheet">
</head>
<body>
<div id="root">stand-in build</div>
<pre id="result">pending</pre>
<script src="/static/js/{STANDIN_JS_NAME}"></script>
</body>
</html>
"""
STANDIN_JS = (
    """// Stand-in for the React bundle.
(function () {
  var out = document.getElementById("result");
  fetch("/api/metadata/workflow", { headers: { Accept: "application/json" } })
    .then(function (res) {
      return res.text().then(function (text) {
        out.textContent = JSON.stringify({
          path: window.location.pathname, status: res.status, body: text
        });
      });
    })
    .catch(function (err) { out.textContent = "FETCH-ERROR " + err; });
})();
"""
    + "// padding so the bundle is large enough to be gzipped\n" * 40
)
STANDIN_CSS = "body { font-family: sans-serif; }\n" * 60


def _demote_cmd(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return [
        "setpriv", f"--reuid={UNPRIVILEGED_UID}", f"--regid={UNPRIVILEGED_UID}",
        "--clear-groups", "--", *cmd,
    ]


def _chown_tree(path: Path) -> None:
    if os.geteuid() != 0:
        return
    for root, dirs, files in os.walk(path):
        os.chown(root, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
        for name in dirs + files:
            os.chown(os.path.join(root, name), UNPRIVILEGED_UID, UNPRIVILEGED_UID)


def write_standin_build(html: Path) -> None:
    (html / "static" / "js").mkdir(parents=True, exist_ok=True)
    (html / "static" / "css").mkdir(parents=True, exist_ok=True)
    (html / "monaco-editor" / "min" / "vs").mkdir(parents=True, exist_ok=True)
    (html / "index.html").write_text(STANDIN_INDEX)
    (html / "static" / "js" / STANDIN_JS_NAME).write_text(STANDIN_JS)
    (html / "static" / "css" / STANDIN_CSS_NAME).write_text(STANDIN_CSS)
    (html / "monaco-editor" / "min" / "vs" / "loader.js").write_text("/* monaco loader */\n")
    (html / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')


def selected_names(env: Mapping[str, str]) -> list[str]:
    """Names 20-envsubst-on-templates.sh hands to envsubst: defined and matching the filter."""
    pattern = re.compile(env.get("NGINX_ENVSUBST_FILTER", ""))
    return sorted(name for name in env if pattern.search(name))


def render_templates(env: Mapping[str, str], template_dir: Path, output_dir: Path) -> list[Path]:
    """The envsubst step of the image: every *.template to output_dir, minus the suffix."""
    shell_format = " ".join(f"${{{name}}}" for name in selected_names(env))
    written = []
    for template in sorted(template_dir.rglob("*.template")):
        target = output_dir / template.relative_to(template_dir).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [ENVSUBST, shell_format], input=template.read_text(), env=dict(env),
            capture_output=True, text=True, check=True,
        )
        target.write_text(result.stdout)
        written.append(target)
    return written


@dataclass
class StartResult:
    """What the start-up steps did: exit status, output and the environment they left."""

    returncode: int
    stdout: str
    stderr: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Prefix:
    """A directory laid out like the parts of the image nginx reads and writes."""

    root: Path

    @property
    def entrypoint_d(self) -> Path:
        return self.root / "docker-entrypoint.d"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def conf_d(self) -> Path:
        return self.root / "conf.d"

    @property
    def html(self) -> Path:
        return self.root / "html"

    @property
    def resolv_conf(self) -> Path:
        return self.root / "resolv.conf"

    @property
    def error_log(self) -> Path:
        return self.root / "logs" / "error.log"


@contextlib.contextmanager
def prefix_dir(resolv_conf: str = "nameserver 127.0.0.1\n") -> Iterator[Prefix]:
    """A fresh prefix with the repository's scripts and template, owned by the runner user."""
    root = Path(tempfile.mkdtemp(prefix="conductor-ui-"))
    try:
        prefix = Prefix(root)
        shutil.copytree(ENTRYPOINT_D, prefix.entrypoint_d)  # keeps the modes, as COPY --chmod
        shutil.copytree(TEMPLATES, prefix.templates)
        for sub in ("conf.d", "logs", "tmp", "html"):
            (root / sub).mkdir()
        prefix.resolv_conf.write_text(resolv_conf)
        write_standin_build(prefix.html)
        (root / "nginx.conf").write_text(
            MAIN_CONF.format(prefix=root, mime_types=MIME_TYPES)
        )
        root.chmod(0o755)
        _chown_tree(root)
        yield prefix
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_start_steps(prefix: Prefix, env: Mapping[str, str]) -> StartResult:
    """Our docker-entrypoint.d scripts, then the envsubst step, with the image's ENV plus env."""
    full_env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        **IMAGE_ENV,
        "NGINX_ENVSUBST_OUTPUT_DIR": str(prefix.conf_d),
        "CONDUCTOR_UI_RESOLV_CONF": str(prefix.resolv_conf),
        **env,
    }
    env_out = prefix.root / "tmp" / "entrypoint.env"
    proc = subprocess.run(
        _demote_cmd(["/bin/sh", "-c", ENTRYPOINT_DRIVER, "driver",
                     str(prefix.entrypoint_d), str(env_out)]),
        env=full_env, capture_output=True, text=True, timeout=30,
    )
    result = StartResult(proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode != 0:
        return result
    pairs = (item.split("=", 1) for item in env_out.read_text().split("\0") if "=" in item)
    result.env = {name: value for name, value in pairs}
    render_templates(result.env, prefix.templates, prefix.conf_d)
    return result


def adapt_for_test(conf: Path, port: int, html: Path) -> str:
    """Point the rendered server block at a loopback port and the stand-in build."""
    text = conf.read_text()
    for old, new in (("listen 8080;", f"listen 127.0.0.1:{port};"),
                     ("root /usr/share/nginx/html;", f"root {html};")):
        if text.count(old) != 1:
            raise AssertionError(f"expected exactly one {old!r} in {conf}")
        text = text.replace(old, new)
    conf.write_text(text)
    return text


@dataclass
class RunningNginx:
    prefix: Prefix
    port: int
    process: subprocess.Popen[bytes]
    start: StartResult

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def rendered(self) -> str:
        return (self.prefix.conf_d / "default.conf").read_text()


class StartFailed(RuntimeError):
    def __init__(self, start: StartResult):
        super().__init__(f"start steps failed ({start.returncode}):\n{start.stderr}")
        self.start = start


def nginx_cmd(prefix: Prefix, *extra: str) -> list[str]:
    return _demote_cmd([
        str(NGINX), "-p", str(prefix.root), "-c", str(prefix.root / "nginx.conf"),
        "-e", str(prefix.error_log), *extra,
    ])


@contextlib.contextmanager
def running_nginx(env: Mapping[str, str], resolv_conf: str = "nameserver 127.0.0.1\n",
                  ) -> Iterator[RunningNginx]:
    """Start steps + nginx in the foreground on a free port; stopped (SIGQUIT) on exit."""
    with prefix_dir(resolv_conf) as prefix:
        start = run_start_steps(prefix, env)
        if start.returncode != 0:
            raise StartFailed(start)
        port = free_port()
        adapt_for_test(prefix.conf_d / "default.conf", port, prefix.html)
        check = subprocess.run(nginx_cmd(prefix, "-t", "-q"), capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        with open(prefix.root / "logs" / "stderr.log", "wb") as stderr_log:
            process = subprocess.Popen(
                nginx_cmd(prefix, "-g", "daemon off;"),
                stdin=subprocess.DEVNULL, stdout=stderr_log, stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_listening(port, process, prefix)
                yield RunningNginx(prefix, port, process, start)
            finally:
                stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Graceful shutdown (the image's STOPSIGNAL), then SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], prefix: Prefix) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = prefix.error_log.read_text() if prefix.error_log.exists() else ""
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{log}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1, trust_env=False)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening within 10 s")


def is_executable(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IXUSR)
