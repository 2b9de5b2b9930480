"""Fetch a user-supplied URL without letting it reach private networks (SSRF-safe)."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx

from labelwright.media.errors import RejectedFile

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass
class FetchPolicy:
    """Limits for fetching one URL."""

    allow_networks: tuple[str, ...] = ()  # CIDRs allowed even though private/loopback
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 60.0
    max_bytes: int = 200 * 2**20
    max_redirects: int = 5


def is_blocked_address(ip: IPAddress) -> bool:
    """Say whether an address is anything but a public unicast one (loopback, private, ...)."""
    # An IPv6 address can carry an IPv4 one (::ffff:10.0.0.1, 2002:a00:1::); judge that too.
    embedded = (ip.ipv4_mapped or ip.sixtofour) if isinstance(ip, ipaddress.IPv6Address) else None
    if embedded is not None and is_blocked_address(embedded):
        return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local  # includes 169.254.169.254, the cloud metadata service
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def _allowed(ip: IPAddress, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    """Say whether an address is public or inside an explicitly allowed network."""
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        candidates.append(ip.ipv4_mapped)
    if any(c.version == n.version and c in n for c in candidates for n in networks):
        return True
    return not is_blocked_address(ip)


def resolve_public(parts: SplitResult, url: str, policy: FetchPolicy) -> IPAddress:
    """Resolve the host, check every address it resolves to, and return the one to connect to."""
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RejectedFile(url, "unreachable", f"{url}: host {host!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    networks = [ipaddress.ip_network(n, strict=False) for n in policy.allow_networks]
    # Every address must pass: a host may resolve to one public and one private address.
    for address in addresses:
        if not _allowed(address, networks):
            raise RejectedFile(
                url, "blocked_address", f"{url}: {host} resolves to {address}, a non-public address"
            )
    if not addresses:
        raise RejectedFile(url, "unreachable", f"{url}: host {host!r} has no address")
    return addresses[0]


def pinned_request(parts: SplitResult, ip: IPAddress) -> tuple[str, dict[str, str], dict]:
    """Point the request at the checked IP, keeping Host and TLS SNI on the real name."""
    port = parts.port
    ip_host = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = f"{ip_host}:{port}" if port else ip_host
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host = parts.hostname or ""
    host_header = f"[{host}]" if ":" in host else host
    if port and port != DEFAULT_PORTS[parts.scheme]:
        host_header = f"{host_header}:{port}"
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return target, {"Host": host_header}, extensions


def parse_http_url(url: str, original: str) -> SplitResult:
    """Parse a URL and refuse anything but http(s) with a host."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        raise RejectedFile(original, "bad_url", f"{original}: {url!r} is not a valid URL") from exc
    if parts.scheme.lower() not in DEFAULT_PORTS:
        raise RejectedFile(
            original, "unsupported_scheme", f"{original}: only http and https URLs are fetched"
        )
    if not parts.hostname:
        raise RejectedFile(original, "bad_url", f"{original}: {url!r} has no host")
    return parts._replace(scheme=parts.scheme.lower())


def fetch_url(
    url: str, dest: Path, policy: FetchPolicy, client: httpx.Client | None = None
) -> None:
    """Download url to dest, refusing private addresses; raise RejectedFile on any failure."""
    dest = Path(dest)
    own_client = client is None
    if client is None:
        # trust_env=False: an environment proxy must not change where we connect.
        client = httpx.Client(trust_env=False, follow_redirects=False)
    try:
        _fetch(url, dest, policy, client)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        if own_client:
            client.close()


def _fetch(url: str, dest: Path, policy: FetchPolicy, client: httpx.Client) -> None:
    """Follow redirects by hand, re-checking each hop, then stream the body to dest."""
    deadline = time.monotonic() + policy.total_timeout
    timeout = httpx.Timeout(
        connect=policy.connect_timeout,
        read=policy.read_timeout,
        write=policy.read_timeout,
        pool=policy.connect_timeout,
    )
    current = url
    for _hop in range(policy.max_redirects + 1):
        parts = parse_http_url(current, url)
        target, headers, extensions = pinned_request(parts, resolve_public(parts, url, policy))
        try:
            with client.stream(
                "GET",
                target,
                headers=headers,
                extensions=extensions,
                timeout=timeout,
                follow_redirects=False,
            ) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_STATUSES and location:
                    current = urljoin(current, location)
                    continue
                if response.status_code >= 300:  # includes a redirect without a Location
                    raise RejectedFile(
                        url,
                        "http_error",
                        f"{url}: the server answered HTTP {response.status_code} "
                        f"{response.reason_phrase}",
                    )
                _stream_body(response, url, dest, policy, deadline)
                return
        except httpx.TimeoutException as exc:
            raise RejectedFile(url, "timeout", f"{url}: the server did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise RejectedFile(url, "unreachable", f"{url}: cannot be fetched ({exc})") from exc
    raise RejectedFile(
        url, "too_many_redirects", f"{url}: more than {policy.max_redirects} redirects"
    )


def _stream_body(
    response: httpx.Response, url: str, dest: Path, policy: FetchPolicy, deadline: float
) -> None:
    """Write the body to dest, enforcing the byte cap and the total deadline."""
    too_large = RejectedFile(url, "too_large", f"{url}: the file is over {policy.max_bytes} bytes")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise too_large
    received = 0
    with dest.open("wb") as out:
        # Decoded bytes are counted, so a gzip-encoded bomb hits the cap too.
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > policy.max_bytes:
                raise too_large
            if time.monotonic() > deadline:
                raise RejectedFile(
                    url, "timeout", f"{url}: download took over {policy.total_timeout} s"
                )
            out.write(chunk)
