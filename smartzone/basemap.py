"""The base map of this deployment: a PMTiles file the station keeps, a tile server, or none.

Every map page puts `basemap_config()` in its page config and draws it with
`SmartZoneBaseMap.add(map, cfg)` (smartzone/static/smartzone/basemap.js). The order:

1. a PMTiles file (MAP_PMTILES_PATH, else the first `*.pmtiles` in DATA_DIR/basemap/), served by
   the app itself with HTTP range requests (`pmtiles_file` below), so a closed network has streets;
2. else the tile server of MAP_TILES_URL, when one is configured;
3. else none: the maps label the zones, landmarks and camera sites instead of a grey box.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language
from django.views.decorators.http import condition, require_safe

OSM_ATTRIBUTION = "© OpenStreetMap contributors"
PMTILES_ATTRIBUTION = "Protomaps © OpenStreetMap contributors"
# A tile or a PMTiles directory is a few kB to a few hundred; a range up to this size is read
# at once, a bigger one (a client asking for the whole file) is streamed in chunks.
READ_AT_ONCE = 1024 * 1024
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def pmtiles_path() -> Path | None:
    """Return the PMTiles file this deployment draws its base map from, if there is one."""
    configured = getattr(settings, "MAP_PMTILES_PATH", "")
    if configured:
        path = Path(configured)
        return path if path.is_file() else None
    folder = Path(settings.DATA_DIR) / "basemap"
    files = sorted(p for p in folder.glob("*.pmtiles") if p.is_file()) if folder.is_dir() else []
    return files[0] if files else None


def basemap_config() -> dict:
    """Return what a map script needs to draw this deployment's base map (JSON-serialisable)."""
    path = pmtiles_path()
    if path is not None:
        return {
            "kind": "pmtiles",
            "url": reverse("basemap-pmtiles", args=[path.name]),
            "flavor": settings.MAP_PMTILES_FLAVOR,
            "lang": (get_language() or settings.LANGUAGE_CODE).split("-")[0],
            "attribution": PMTILES_ATTRIBUTION,
        }
    if settings.MAP_TILES_URL:
        return {"kind": "tiles", "url": settings.MAP_TILES_URL, "attribution": OSM_ATTRIBUTION}
    return {"kind": "none"}


# --- serving the PMTiles file ---------------------------------------------------------------


@dataclass(frozen=True)
class _Served:
    path: Path
    size: int
    mtime: float

    @property
    def etag(self) -> str:
        # Strong: the PMTiles reader compares it between requests and rereads on a change.
        return quote_etag(f"{int(self.mtime * 1000):x}-{self.size:x}")


def _served(name: str) -> _Served:
    """Return the configured file if NAME is its file name; nothing else is ever opened."""
    path = pmtiles_path()
    if path is None or name != path.name:
        raise Http404("No such base map file.")
    stat = path.stat()
    return _Served(path=path, size=stat.st_size, mtime=stat.st_mtime)


def _etag(request, name: str) -> str | None:
    try:
        return _served(name).etag
    except Http404:
        return None


def _last_modified(request, name: str):
    try:
        return datetime.fromtimestamp(_served(name).mtime, tz=UTC)
    except Http404:
        return None


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """Return (first, last) byte of a single `bytes=` range; None to send the whole file (no or
    several ranges, or another unit); False when the range cannot be satisfied."""
    header = header.strip()
    if not header.startswith("bytes=") or "," in header:
        return None
    match = _RANGE.match(header.replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return False
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _read(path: Path, start: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(start)
        return f.read(length)


def _chunks_sync(path: Path, start: int, length: int):
    with open(path, "rb") as f:
        f.seek(start)
        while length > 0:
            data = f.read(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


async def _chunks_async(path: Path, start: int, length: int):
    # Under ASGI a synchronous iterator would be read whole into memory first (Django consumes
    # it in one thread call); each chunk is read in a thread instead.
    from asgiref.sync import sync_to_async

    f = await sync_to_async(open, thread_sensitive=False)(path, "rb")
    try:
        await sync_to_async(f.seek, thread_sensitive=False)(start)
        while length > 0:
            data = await sync_to_async(f.read, thread_sensitive=False)(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data
    finally:
        f.close()


def _body(request, served: _Served, start: int, length: int) -> HttpResponse:
    """Return a response with LENGTH bytes of the file from START, without reading it whole."""
    content_type = "application/vnd.pmtiles"
    if request.method == "HEAD":
        return HttpResponse(b"", content_type=content_type)
    if length <= READ_AT_ONCE:
        return HttpResponse(_read(served.path, start, length), content_type=content_type)
    chunks = _chunks_async if isinstance(request, ASGIRequest) else _chunks_sync
    return StreamingHttpResponse(chunks(served.path, start, length), content_type=content_type)


@require_safe
@condition(etag_func=_etag, last_modified_func=_last_modified)
def pmtiles_file(request, name: str):
    """Serve the base map's PMTiles file, whole or one byte range (206), for the map scripts."""
    served = _served(name)
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if wanted and if_range and if_range not in (served.etag, http_date(served.mtime)):
        wanted = ""  # the client holds another version of the file: send all of this one
    span = parse_range(wanted, served.size) if wanted else None
    if span is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{served.size}"
    elif span is None:
        response = _body(request, served, 0, served.size)
        response["Content-Length"] = str(served.size)
    else:
        start, end = span
        response = _body(request, served, start, end - start + 1)
        response.status_code = 206
        response["Content-Range"] = f"bytes {start}-{end}/{served.size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = served.etag
    response["Last-Modified"] = http_date(served.mtime)
    # Revalidated with the ETag after a day (the file changes only when the station replaces
    # it); no-transform: the tiles inside are compressed already and ranges must stay exact.
    response["Cache-Control"] = "public, max-age=86400, no-transform"
    return response
