"""fetch_url against a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from labelwright.media import remote
from labelwright.media.errors import RejectedFile
from labelwright.media.remote import FetchPolicy, fetch_url, is_blocked_address

BODY = b"\x89PNG fake image body" * 10
LOCAL = FetchPolicy(allow_networks=("127.0.0.1/32",), connect_timeout=1, read_timeout=1)


class Handler(BaseHTTPRequestHandler):
    """Routes for every case the tests need."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may have given up first, as the timeout tests intend.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        path = urlsplit(self.path).path
        if path == "/img":
            self.send(200, BODY)
        elif path == "/host":
            self.send(200, self.headers["Host"].encode())
        elif path == "/missing":
            self.send(404, b"nope")
        elif path == "/big":
            self.send(200, bytes(5000))
        elif path == "/big-chunked":  # no Content-Length: the cap must hold while streaming
            self.send_response(200)
            self.end_headers()
            for _ in range(10):
                self.wfile.write(bytes(1000))
        elif path == "/slow":
            time.sleep(1.0)
            self.send(200, BODY)
        elif path == "/trickle":
            self.send_response(200)
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        elif path == "/to-img":
            self.send(302, headers={"Location": "/img"})
        elif path == "/to-other-loopback":
            self.send(302, headers={"Location": f"http://127.0.0.2:{port}/img"})
        elif path == "/to-metadata":
            self.send(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
        elif path == "/loop":
            self.send(302, headers={"Location": "/loop"})
        else:
            self.send(500)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def refused(url: str, dest, policy: FetchPolicy) -> RejectedFile:
    with pytest.raises(RejectedFile) as info:
        fetch_url(url, dest, policy)
    assert info.value.name == url
    assert not dest.exists()  # no partial file left behind
    return info.value


def test_loopback_is_refused_by_default(server, tmp_path):
    assert refused(f"{server}/img", tmp_path / "f", FetchPolicy()).reason == "blocked_address"


def test_allowed_network_fetches(server, tmp_path):
    dest = tmp_path / "f"
    fetch_url(f"{server}/img", dest, LOCAL)
    assert dest.read_bytes() == BODY


def test_redirect_within_allowed_server(server, tmp_path):
    dest = tmp_path / "f"
    fetch_url(f"{server}/to-img", dest, LOCAL)
    assert dest.read_bytes() == BODY


@pytest.mark.parametrize("path", ["/to-other-loopback", "/to-metadata"])
def test_redirect_to_private_address_is_refused(server, tmp_path, path):
    assert refused(f"{server}{path}", tmp_path / "f", LOCAL).reason == "blocked_address"


def test_redirect_loop(server, tmp_path):
    assert refused(f"{server}/loop", tmp_path / "f", LOCAL).reason == "too_many_redirects"


def test_http_error_says_the_status(server, tmp_path):
    err = refused(f"{server}/missing", tmp_path / "f", LOCAL)
    assert err.reason == "http_error" and "404" in err.detail


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_too_large(server, tmp_path, path):
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), max_bytes=4000)
    assert refused(f"{server}{path}", tmp_path / "f", policy).reason == "too_large"


def test_slow_server_times_out(server, tmp_path):
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), read_timeout=0.2)
    start = time.monotonic()
    assert refused(f"{server}/slow", tmp_path / "f", policy).reason == "timeout"
    assert time.monotonic() - start < 0.9


def test_trickling_server_hits_the_total_timeout(server, tmp_path):
    policy = FetchPolicy(allow_networks=("127.0.0.1/32",), total_timeout=0.2)
    assert refused(f"{server}/trickle", tmp_path / "f", policy).reason == "timeout"


def test_closed_port_is_unreachable(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = refused(f"http://127.0.0.1:{port}/x", tmp_path / "f", LOCAL)
    assert err.reason == "unreachable"


@pytest.mark.parametrize("url", ["ftp://example.com/a.jpg", "file:///etc/passwd", "gopher://x"])
def test_other_schemes(tmp_path, url):
    assert refused(url, tmp_path / "f", FetchPolicy()).reason == "unsupported_scheme"


def fake_dns(monkeypatch, table: dict[str, list[str]]) -> None:
    """Make getaddrinfo answer from a table; unknown names fail to resolve."""

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "127.0.0.1":  # httpx dials the pinned IP through the same function
            return real(host, port, *args, **kwargs)
        if host not in table:
            raise socket.gaierror("unknown host")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in table[host]
        ]

    monkeypatch.setattr(remote.socket, "getaddrinfo", getaddrinfo)


def test_every_resolved_address_is_checked(monkeypatch, tmp_path):
    fake_dns(monkeypatch, {"mixed.test": ["93.184.216.34", "10.0.0.5"]})
    assert refused("http://mixed.test/a.jpg", tmp_path / "f", FetchPolicy()).reason == (
        "blocked_address"
    )


def test_unresolvable_host(monkeypatch, tmp_path):
    fake_dns(monkeypatch, {})
    assert refused("http://nowhere.test/", tmp_path / "f", FetchPolicy()).reason == "unreachable"


def test_connects_to_the_checked_ip_with_the_original_host_header(server, monkeypatch, tmp_path):
    # DNS rebinding defence: the name is resolved once, the checked IP is dialled, and the
    # server still sees the original name in Host.
    fake_dns(monkeypatch, {"images.test": ["127.0.0.1"]})
    port = urlsplit(server).port
    dest = tmp_path / "f"
    fetch_url(f"http://images.test:{port}/host", dest, LOCAL)
    assert dest.read_text() == f"images.test:{port}"


def test_https_keeps_sni_on_the_hostname():
    parts = urlsplit("https://images.test/a.jpg?x=1")
    target, headers, extensions = remote.pinned_request(parts, ipaddress.ip_address("1.2.3.4"))
    assert target == "https://1.2.3.4/a.jpg?x=1"
    assert headers == {"Host": "images.test"}
    assert extensions == {"sni_hostname": "images.test"}


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("::1", True),
        ("::", True),
        ("fe80::1", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:169.254.169.254", True),
        ("2002:a00:1::", True),  # 6to4 wrapping 10.0.0.1
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
    ],
)
def test_is_blocked_address(address, blocked):
    assert is_blocked_address(ipaddress.ip_address(address)) is blocked
