"""The one way the platform reaches out from its server: camera snapshots and probes, stream
opens, LINE API calls, any URL a person typed.

Every host is resolved and every address it resolves to is checked before anything connects:
loopback, link-local, cloud metadata, unspecified and private addresses are refused unless they
lie in `settings.CAMERA_NETWORKS` (the station's camera network, set by the operator). A fetch
connects to the checked address itself (no second lookup), follows redirects only to the same
scheme, host and port (checked again at every hop), and is bounded in time and size. Failures
say, in the user's language, what went wrong on our side, never what answered.
"""

import ipaddress
import os
import re
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

MAX_BYTES = 8 * 1024 * 1024
MAX_REDIRECTS = 3
DEFAULT_PORTS = {"http": 80, "https": 443, "rtsp": 554, "rtsps": 322}

# Always refused, whatever CAMERA_NETWORKS says: cloud metadata services.
METADATA = [ipaddress.ip_network(n) for n in ("169.254.169.254/32", "fd00:ec2::254/128")]
# Refused unless the operator lists them in CAMERA_NETWORKS.
INTERNAL = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "fe80::/10",
        "fc00::/7",
        "ff00::/8",
    )
]

# Example addresses (RFC 5737, RFC 3849): no device answers there, so nothing waits on them; the
# demo's cameras use them. Refused at once with their own reason unless in CAMERA_NETWORKS.
DOCUMENTATION = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]


class FetchRefused(Exception):
    """A fetch was refused or failed; `reason` is a sentence for the person who asked."""

    def __init__(self, reason: str, *, retryable: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable  # a failure that may pass (no answer), not a refusal


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the address it resolved to (connect to this one)."""

    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def allowed_networks() -> list:
    """The networks the operator opened (CAMERA_NETWORKS), parsed."""
    value = getattr(settings, "CAMERA_NETWORKS", [])
    if isinstance(value, str):
        value = value.split(",")
    return [ipaddress.ip_network(item.strip(), strict=False) for item in value if item.strip()]


def address_allowed(address: str) -> bool:
    """Say whether the server may connect to ADDRESS."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in METADATA):
        return False
    if any(ip.version == net.version and ip in net for net in allowed_networks()):
        return True
    return not any(ip.version == net.version and ip in net for net in INTERNAL)


def _example(address: str) -> bool:
    """Say whether ADDRESS is an example address the operator did not open."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip.version == net.version and ip in net for net in allowed_networks()):
        return False
    return any(ip.version == net.version and ip in net for net in DOCUMENTATION)


def _refused() -> FetchRefused:
    return FetchRefused(_("This address may not be reached from the server."))


def _failed() -> FetchRefused:
    return FetchRefused(_("The address did not answer with what was expected."), retryable=True)


def check_url(url: str, *, schemes=("http", "https")) -> Target:
    """Resolve URL's host and check every address; return the target or raise FetchRefused."""
    try:
        parts = urlsplit(url or "")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        raise FetchRefused(_("The address is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in schemes or not host or not port:
        raise FetchRefused(_("The address is not a valid URL."))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _failed() from None
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise _refused()
    if any(_example(a) for a in addresses):
        raise FetchRefused(
            _(
                "This is an example address (a documentation range, as in the demo data): no "
                "device answers there. Enter the camera's real address."
            )
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, addresses[0], path)


def fetch(
    url: str,
    *,
    headers: dict | None = None,
    timeout_s: float = 5.0,
    max_bytes: int = MAX_BYTES,
) -> bytes:
    """GET URL through the checks above; return the body of a 2xx answer or raise FetchRefused.

    HEADERS (credentials included) go only to URL's own scheme, host and port.
    """
    target = check_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        status, location, body = _get(target, headers or {}, timeout_s, max_bytes)
        if status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            following = check_url(url)
            if following.origin != target.origin:
                raise _refused()
            target = following
            continue
        if 200 <= status < 300:
            return body
        raise _failed()
    raise _failed()


def _read(response, max_bytes: int, deadline: float) -> bytes:
    """Read a 2xx body of at most MAX_BYTES before DEADLINE (a trickle does not hold us)."""
    if response.status >= 300:
        return b""
    chunks, size = [], 0
    for chunk in response.stream(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes or time.monotonic() > deadline:
            raise _failed()
    return b"".join(chunks)


def _get(target: Target, headers: dict, timeout_s: float, max_bytes: int):
    """One GET to the checked address; return (status, Location, body)."""
    timeout = urllib3.Timeout(connect=timeout_s, read=timeout_s)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    default_port = DEFAULT_PORTS[target.scheme] == target.port
    host_header = target.host if default_port else f"{target.host}:{target.port}"
    if ":" in target.host:
        host_header = f"[{target.host}]" if default_port else f"[{target.host}]:{target.port}"
    try:
        with pool:
            response = pool.urlopen(
                "GET",
                target.path,
                headers={"Host": host_header, **headers},
                redirect=False,
                preload_content=False,
            )
            try:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise _failed()
                body = _read(response, max_bytes, time.monotonic() + timeout_s)
            finally:
                response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError):
        raise _failed() from None
    if len(body) > max_bytes:
        raise _failed()
    return response.status, response.headers.get("Location", ""), body


# --- the fetchers that connect by themselves (FFmpeg through OpenCV, an SDK) -------------------


def pinned_url(url: str, target: Target) -> str:
    """Return URL (credentials kept as written) with its host replaced by TARGET's checked
    address, so that a client that resolves names itself connects where we checked and a DNS
    answer that changes after the check (rebinding) reaches nothing else. Never log the result:
    it may carry credentials."""
    parts = urlsplit(url)
    userinfo, _at, _hostport = parts.netloc.rpartition("@")
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{userinfo}@" if _at else ""
    netloc += f"{address}:{target.port}"
    return parts._replace(netloc=netloc).geturl()


# FFmpeg may open further URLs by itself (a redirect, a playlist's segments, concat:): a stream
# is opened with network protocols only, so a camera cannot send it to a local file.
FFMPEG_OPTIONS_VARIABLE = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
FFMPEG_NETWORK_PROTOCOLS = "rtsp,rtp,udp,tcp,http,https,tls,crypto"
FFMPEG_NETWORK_ONLY = f"protocol_whitelist;{FFMPEG_NETWORK_PROTOCOLS}"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # a scheme (not a path, nor "C:")
_ffmpeg_options_lock = threading.Lock()


@contextmanager
def ffmpeg_options(source: str, extra: str = ""):
    """Open an OpenCV FFmpeg capture of SOURCE inside this block (only the opening).

    A local path is opened as FFmpeg would; anything else (a URL, `file:`, `concat:`) with the
    network protocols only, and EXTRA (FFmpeg options as OpenCV takes them, `key;value|...`).
    OpenCV reads OPENCV_FFMPEG_CAPTURE_OPTIONS at each open, from the process's environment:
    the lock keeps concurrent opens from seeing each other's value.
    """
    with _ffmpeg_options_lock:
        previous = os.environ.pop(FFMPEG_OPTIONS_VARIABLE, None)
        if _URL.match(source):
            options = f"{FFMPEG_NETWORK_ONLY}|{extra}" if extra else FFMPEG_NETWORK_ONLY
            os.environ[FFMPEG_OPTIONS_VARIABLE] = options
        try:
            yield
        finally:
            os.environ.pop(FFMPEG_OPTIONS_VARIABLE, None)
            if previous is not None:
                os.environ[FFMPEG_OPTIONS_VARIABLE] = previous


class PinnedPoolManager(urllib3.PoolManager):
    """A urllib3 PoolManager for a client that builds its own requests (the LINE SDK): it
    connects only to TARGET's scheme, host and port, at TARGET's checked address, sending the
    host's name in the Host header and, over TLS, as the name to verify. Any other origin (a
    URL the client built elsewhere) is refused."""

    def __init__(self, target: Target, **kwargs):
        super().__init__(**kwargs)
        self.target = target

    def _new_pool(self, scheme, host, port, request_context=None):
        if (scheme, (host or "").rstrip("."), port) != self.target.origin:
            raise _refused()
        context = dict(request_context or self.connection_pool_kw)
        if scheme == "https":
            context.update(server_hostname=self.target.host, assert_hostname=self.target.host)
        return super()._new_pool(scheme, self.target.address, port, context)

    def urlopen(self, method, url, redirect=True, **kwargs):
        default_port = DEFAULT_PORTS[self.target.scheme] == self.target.port
        host = f"[{self.target.host}]" if ":" in self.target.host else self.target.host
        headers = dict(kwargs.get("headers") or self.headers)
        headers["Host"] = host if default_port else f"{host}:{self.target.port}"
        kwargs["headers"] = headers
        return super().urlopen(method, url, redirect=False, **kwargs)


def pinned_pool_manager(target: Target, manager: urllib3.PoolManager) -> PinnedPoolManager:
    """Return a PinnedPoolManager for TARGET with MANAGER's settings (certificates, retries)."""
    return PinnedPoolManager(target, **manager.connection_pool_kw)
