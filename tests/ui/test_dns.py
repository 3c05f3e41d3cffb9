"""The backend's name is re-resolved while nginx runs (a Service can be recreated).

A minimal DNS server on 127.0.0.3:53 answers the backend's name with one
loopback address, then with another; nginx, configured from a resolv.conf that
names that server, must follow the change without a restart or reload.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support import nginx_harness as harness

pytestmark = pytest.mark.slow

DNS_ADDRESS = "127.0.0.3"
NAME = "conductor-server.ui-test.internal"


class FakeDNS:
    """Answers A queries for one name with the current address (TTL 1 s); nothing else."""

    def __init__(self, address: str, name: str, answer: str):
        self.name = name.lower()
        self.answer = answer
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 53))
        self.sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeDNS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                packet, peer = self.sock.recvfrom(512)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._reply(packet)
            if reply:
                self.sock.sendto(reply, peer)

    def _reply(self, packet: bytes) -> bytes | None:
        if len(packet) < 12:
            return None
        (query_id,) = struct.unpack("!H", packet[:2])
        labels, offset = [], 12
        while offset < len(packet) and packet[offset]:
            length = packet[offset]
            labels.append(packet[offset + 1:offset + 1 + length].decode("ascii", "replace"))
            offset += 1 + length
        offset += 1
        qtype, _qclass = struct.unpack("!HH", packet[offset:offset + 4])
        question = packet[12:offset + 4]
        name = ".".join(labels).lower()
        if name != self.name:
            return struct.pack("!HHHHHH", query_id, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
        self.queries += 1
        if qtype != 1:  # only A records; AAAA etc. get an empty NOERROR answer
            return struct.pack("!HHHHHH", query_id, 0x8580, 1, 0, 0, 0) + question
        answer = (struct.pack("!HHHIH", 0xC00C, 1, 1, 1, 4)
                  + socket.inet_aton(self.answer))
        return struct.pack("!HHHHHH", query_id, 0x8580, 1, 1, 0, 0) + question + answer


def _labelled_server(address: str, port: int, label: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = label.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return ThreadingHTTPServer((address, port), Handler)


@pytest.fixture
def two_backends() -> Iterator[int]:
    """Backend "A" on 127.0.0.1:P and backend "B" on 127.0.0.2:P (same port)."""
    first = _labelled_server("127.0.0.1", 0, "A")
    port = first.server_address[1]
    try:
        second = _labelled_server("127.0.0.2", port, "B")
    except OSError as exc:
        first.server_close()
        pytest.skip(f"cannot listen on 127.0.0.2:{port}: {exc}")
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (first, second)]
    for thread in threads:
        thread.start()
    try:
        yield port
    finally:
        for server in (first, second):
            server.shutdown()
            server.server_close()


def test_a_changed_dns_answer_is_followed_without_a_restart(two_backends: int) -> None:
    try:
        dns = FakeDNS(DNS_ADDRESS, NAME, "127.0.0.1")
    except OSError as exc:
        pytest.skip(f"cannot run a DNS server on {DNS_ADDRESS}:53: {exc}")
    with dns, harness.running_nginx(
        {"CONDUCTOR_BASE_URL": f"http://{NAME}:{two_backends}"},
        resolv_conf=f"nameserver {DNS_ADDRESS}\n",
    ) as nginx, httpx.Client(base_url=nginx.url, trust_env=False, timeout=10) as client:
        assert f"resolver {DNS_ADDRESS} valid=10s;" in (
            nginx.prefix.conf_d / "conductor-ui-resolver.conf").read_text()
        assert client.get("/api/which").text == "A"
        asked = dns.queries
        dns.answer = "127.0.0.2"
        # valid=10s: nginx asks again once its cached answer expires; wait for that
        # question (the event), not for a length of time.
        deadline = time.monotonic() + 30
        while dns.queries == asked and time.monotonic() < deadline:
            time.sleep(0.2)
            client.get("/api/which")
        assert dns.queries > asked, "nginx never asked the resolver again"
        assert client.get("/api/which").text == "B", "nginx kept the address it resolved first"
