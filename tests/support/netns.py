"""A network namespace whose only reachable address is one port of one local server.

A container given this namespace (podman's `--network ns:PATH`) has a loopback interface
and nothing else: no route out, no other host port. Connections to 127.0.0.1:`port` inside
it are relayed to 127.0.0.1:`target` on the host, where the real server listens. This is
"network to the Conductor only", with no bridge, firewall rules or daemon to set up.

How: a thread moves itself into a new network namespace (a per-thread attribute on
Linux), brings its loopback up and opens the listening socket there. A socket belongs to
the namespace it was created in, so threads in the host's namespace accept on it and open
the upstream connections. The namespace lives while its thread does (its /proc path is
what podman joins). That takes root (CAP_SYS_ADMIN), as podman does here, so tests hold the
namespace in a process of its own, started with sudo when they are not root:
`loopback_only_network(target)`.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from types import TracebackType

from tests.support.paths import REPO_ROOT

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _relay(inside: socket.socket, outside: socket.socket) -> None:
    """Copies both ways until both sides have closed, then closes both."""
    with inside, outside:
        back = threading.Thread(target=_pump, args=(outside, inside), daemon=True)
        back.start()
        _pump(inside, outside)
        back.join()


class LoopbackOnlyNetwork:
    """`with LoopbackOnlyNetwork(target=8123) as net:` -> `--network ns:{net.path}`."""

    def __init__(self, target: int, port: int = 8080) -> None:
        self.target, self.port = target, port
        self.path = ""
        self._listener: socket.socket | None = None
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._error: BaseException | None = None

    def _hold_namespace(self) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
            _loopback_up()
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(16)
            self._listener = listener
            self.path = f"/proc/{os.getpid()}/task/{threading.get_native_id()}/ns/net"
        except BaseException as exc:  # handed to the caller in __enter__
            self._error = exc
        finally:
            self._ready.set()
        self._stop.wait()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                inside, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed by __exit__
                return
            try:
                outside = socket.create_connection(("127.0.0.1", self.target), timeout=30)
            except OSError:  # the server is down: the client sees its connection closed
                inside.close()
                continue
            inside.settimeout(None)
            outside.settimeout(None)
            threading.Thread(target=_relay, args=(inside, outside), daemon=True).start()

    def __enter__(self) -> LoopbackOnlyNetwork:
        threading.Thread(target=self._hold_namespace, daemon=True).start()
        self._ready.wait()
        if self._error is not None or self._listener is None:
            raise RuntimeError("cannot make a network namespace") from self._error
        self._listener.settimeout(0.5)
        # Started from this thread, so it stays in the host's namespace.
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()


@contextlib.contextmanager
def loopback_only_network(target: int, port: int = 8080) -> Iterator[str]:
    """The path of such a namespace, held by a process of its own (with sudo unless root)
    until the block ends."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    command = [*sudo, sys.executable, "-m", "tests.support.netns", str(target), str(port)]
    holder = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdin is not None and holder.stdout is not None
    try:
        path = holder.stdout.readline().strip()
        if not path:
            raise RuntimeError(f"{' '.join(command)} made no network namespace")
        yield path
    finally:
        holder.stdin.close()  # the holder's signal to stop
        holder.wait(timeout=30)
        holder.stdout.close()


def main() -> None:
    """`python -m tests.support.netns TARGET PORT`: prints the namespace's path, holds it
    until stdin closes."""
    with LoopbackOnlyNetwork(target=int(sys.argv[1]), port=int(sys.argv[2])) as network:
        print(network.path, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
