"""Content-Security-Policy: the policy built from settings, and the dashboard socket's origin.

Every page runs only the platform's own scripts and styles (no inline code, no eval); images may
also come from the map tile server; pages may not be framed. The policy is in
settings.CONTENT_SECURITY_POLICY; `CSPMiddleware` adds the ws:/wss: origin of the requesting host
to connect-src for the dashboard's websocket (CSP level 3 browsers already allow it with 'self';
older ones need it spelt out).
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts


def tile_origin(tiles_url: str) -> str | None:
    """The origin to allow for map tiles: 'https://{s}.tile.x.org/{z}/..' -> 'https://*.tile.x.org'.

    None when there is no tile server (an empty MAP_TILES_URL) or the URL is relative (same
    origin, covered by 'self').
    """
    parts = urlsplit(tiles_url or "")
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.split("@")[-1]
    labels = host.split(".")
    if labels and "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme}://{'.'.join(labels)}"


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, plus ws:// and wss:// of the request's own host in connect-src."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except Exception:  # noqa: BLE001 - a disallowed Host gets the policy without the socket
            return parts
        update = dict(parts.update or {})
        sockets = [f"ws://{host}", f"wss://{host}"]
        update["connect-src"] = [*list(update.get("connect-src") or []), *sockets]
        parts.update = update
        return parts
