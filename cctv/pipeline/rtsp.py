"""Ask an RTSP camera why its stream cannot be played.

OpenCV (FFmpeg) reports only that a stream did not open; the camera's answer (401, 404) stays
in FFmpeg's log. `rtsp_probe` sends the camera one DESCRIBE over a plain socket, answering a
basic or digest challenge with the URL's login, and sorts the outcome into a reason a
technician can act on. Credentials are sent to the camera only, never returned or logged.
"""

import hashlib
import os
import re
import socket
from urllib.parse import unquote, urlsplit, urlunsplit

AUTH, UNREACHABLE, NOT_FOUND = "auth", "unreachable", "not_found"
CODEC, STOPPED = "codec", "stopped"
# Reasons that waiting does not cure: a watch that never played fails at once with them.
LASTING = {AUTH, NOT_FOUND, CODEC}
# RTP payload names FFmpeg decodes for cameras (case-insensitive).
DECODABLE = {"h264", "h265", "hevc", "jpeg", "mp4v-es", "mpv", "mp2t", "vp8", "vp9", "av1"}
MAX_ANSWER = 64 * 1024


def _split(url: str) -> tuple[str, str, str, str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    return clean, user, password, host, parts.port or 554


def _ask(sock: socket.socket, method: str, url: str, cseq: int, auth: str = "") -> tuple:
    lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", "User-Agent: smartzone-probe"]
    if method == "DESCRIBE":
        lines.append("Accept: application/sdp")
    if auth:
        lines.append(f"Authorization: {auth}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > MAX_ANSWER:
            raise ConnectionError("no answer")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    while len(body) < min(length, MAX_ANSWER):
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return status, headers, body.decode("latin-1")


def _authorization(challenges: list[str], user: str, password: str, url: str) -> str:
    digest = next((c for c in challenges if c.lower().startswith("digest")), None)
    if digest is None:
        import base64

        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    fields = dict(re.findall(r'(\w+)="?([^",]*)"?', digest[6:]))
    realm, nonce = fields.get("realm", ""), fields.get("nonce", "")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    ha1, ha2 = md5(f"{user}:{realm}:{password}"), md5(f"DESCRIBE:{url}")
    answer = f'username="{user}", realm="{realm}", nonce="{nonce}", uri="{url}"'
    if "auth" in fields.get("qop", "").split(","):
        cnonce = os.urandom(8).hex()
        response = md5(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{ha2}")
        answer += f', qop=auth, nc=00000001, cnonce="{cnonce}"'
    else:
        response = md5(f"{ha1}:{nonce}:{ha2}")
    if "opaque" in fields:
        answer += f', opaque="{fields["opaque"]}"'
    return f'Digest {answer}, response="{response}"'


def rtsp_probe(url: str, *, timeout_s: float = 5.0) -> str:
    """Return why the rtsp:// stream at URL does not play: AUTH, NOT_FOUND, UNREACHABLE, CODEC
    or STOPPED (it answers, yet sent no picture); "" if it describes a stream that should play,
    or if URL is not plain RTSP (rtsps, http: not probed)."""
    if urlsplit(url).scheme.lower() != "rtsp":
        return ""
    clean, user, password, host, port = _split(url)
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            status, headers, body = _ask(sock, "DESCRIBE", clean, 1)
            if status == 401 and user:
                challenges = [v for k, v in headers if k.lower() == "www-authenticate"]
                auth = _authorization(challenges, user, password, clean)
                status, headers, body = _ask(sock, "DESCRIBE", clean, 2, auth)
    except (OSError, ConnectionError, ValueError):
        return UNREACHABLE
    if status in (401, 403):
        return AUTH
    if status == 404:
        return NOT_FOUND
    if status != 200:
        return STOPPED
    codecs = {c.lower() for c in re.findall(r"a=rtpmap:\d+\s+([\w.-]+)/", body)}
    if codecs and not codecs & DECODABLE:
        return CODEC
    return ""


def stream_reason(url: str, *, timeout_s: float = 5.0) -> str:
    """Return the reason the stream at URL failed: what the camera answers, else STOPPED (it
    answered the probe, or is not RTSP and accepts a connection) or UNREACHABLE."""
    parts = urlsplit(url)
    if parts.scheme.lower() == "rtsp":
        return rtsp_probe(url, timeout_s=timeout_s) or STOPPED
    default = 443 if parts.scheme.lower() in ("https", "rtsps") else 80
    try:
        with socket.create_connection((parts.hostname or "", parts.port or default), timeout_s):
            return STOPPED
    except (OSError, ValueError):
        return UNREACHABLE
