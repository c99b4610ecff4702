"""The base map: which one a deployment has, and its PMTiles file served in byte ranges."""

import hashlib
import http.client
import os
from pathlib import Path

import pytest
from django.test import AsyncClient

from smartzone.basemap import READ_AT_ONCE, basemap_config, parse_range
from tests.basemap_sample import write_sample


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MAP_TILES_URL = ""
    settings.MAP_PMTILES_PATH = ""
    return tmp_path


@pytest.fixture
def sample(data_dir) -> Path:
    return write_sample(data_dir / "basemap" / "mukdahan.pmtiles")


def test_with_no_file_and_no_tile_server_there_is_no_base_map(data_dir):
    assert basemap_config() == {"kind": "none"}


def test_a_tile_server_is_the_base_map_when_there_is_no_file(data_dir, settings):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    config = basemap_config()
    assert config["kind"] == "tiles"
    assert config["url"] == settings.MAP_TILES_URL


def test_a_file_in_the_data_folder_is_the_base_map_even_with_a_tile_server(sample, settings):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    config = basemap_config()
    assert config == {
        "kind": "pmtiles",
        "url": "/basemap/mukdahan.pmtiles",
        "flavor": "light",
        "lang": "th",
        "attribution": config["attribution"],
    }
    assert "OpenStreetMap" in config["attribution"]


def test_map_pmtiles_path_names_a_file_anywhere(data_dir, settings, tmp_path_factory):
    elsewhere = write_sample(tmp_path_factory.mktemp("maps") / "station.pmtiles")
    settings.MAP_PMTILES_PATH = str(elsewhere)
    assert basemap_config()["url"] == "/basemap/station.pmtiles"


def test_the_pages_with_a_map_carry_the_base_map(sample, officer_client, station):
    page = officer_client.get("/dashboard/")
    assert page.context["dashboard_config"]["basemap"]["kind"] == "pmtiles"
    assert b"protomaps-leaflet.js" in page.content and b"smartzone/basemap.js" in page.content


def test_the_citizens_report_page_carries_the_zones_landmarks(client, landmark, data_dir):
    page = client.get("/report/")
    basemap = page.context["map_config"]["basemap"]
    assert basemap["kind"] == "none"
    assert {"name": landmark.name, "lat": landmark.lat, "lng": landmark.lng} in basemap["landmarks"]


# --- the file in ranges ---------------------------------------------------------------------


def test_a_range_is_answered_206_with_those_bytes(client, sample):
    data = sample.read_bytes()
    response = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-126")
    assert response.status_code == 206
    assert response.content == data[:127]
    assert response["Content-Range"] == f"bytes 0-126/{len(data)}"
    assert response["Content-Length"] == "127"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "application/vnd.pmtiles"
    assert response["ETag"].startswith('"') and response["Last-Modified"]


@pytest.mark.parametrize(
    "header, first, last",
    [("bytes=100-199", 100, 199), ("bytes=5000-", 5000, None), ("bytes=-300", -300, None)],
)
def test_open_and_suffix_ranges(client, sample, header, first, last):
    data = sample.read_bytes()
    response = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE=header)
    assert response.status_code == 206
    expected = data[first : last + 1] if last is not None else data[first:]
    assert response.content == expected
    start = first if first >= 0 else len(data) + first
    assert response["Content-Range"] == f"bytes {start}-{start + len(expected) - 1}/{len(data)}"


def test_a_range_past_the_end_is_cut_to_the_file(client, sample):
    size = sample.stat().st_size
    response = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE=f"bytes={size - 10}-99999999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert len(response.content) == 10


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=50-10", "bytes=-0", "bytes=x-y"])
def test_a_range_that_cannot_be_met_is_416(client, sample, header):
    response = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{sample.stat().st_size}"


def test_no_range_sends_the_whole_file(client, sample):
    response = client.get("/basemap/mukdahan.pmtiles")
    assert response.status_code == 200
    assert response.content == sample.read_bytes()
    assert response["Accept-Ranges"] == "bytes"


def test_a_head_request_says_the_size_without_the_body(client, sample):
    response = client.head("/basemap/mukdahan.pmtiles")
    assert response.status_code == 200
    assert response["Content-Length"] == str(sample.stat().st_size)
    assert response.content == b""


def test_the_browser_cache_revalidates_with_the_etag(client, sample):
    etag = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-99")["ETag"]
    again = client.get(
        "/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-99", HTTP_IF_NONE_MATCH=etag
    )
    assert again.status_code == 304


def test_a_replaced_file_has_another_etag_and_if_range_sends_it_whole(client, sample):
    etag = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-99")["ETag"]
    sample.write_bytes(sample.read_bytes() + b"\0" * 10)
    stat = sample.stat()
    os.utime(sample, (stat.st_atime, stat.st_mtime + 5))
    response = client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-99", HTTP_IF_RANGE=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert len(response.content) == stat.st_size


def test_without_a_file_it_is_404(client, data_dir):
    assert client.get("/basemap/mukdahan.pmtiles", HTTP_RANGE="bytes=0-9").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/basemap/other.pmtiles",
        "/basemap/../settings.py",
        "/basemap/..%2Fsmartzone.sqlite3",
        "/basemap/%2e%2e%2fsmartzone.sqlite3",
        "/basemap/mukdahan.pmtiles/../../smartzone.sqlite3",
    ],
)
def test_only_the_base_map_file_itself_is_served(client, sample, url):
    (sample.parent.parent / "smartzone.sqlite3").write_bytes(b"SQLite secret")
    response = client.get(url)
    assert response.status_code == 404
    assert b"SQLite secret" not in response.content


def test_it_refuses_to_write(client, sample):
    assert client.post("/basemap/mukdahan.pmtiles").status_code == 405


@pytest.mark.parametrize(
    "header, size, expected",
    [
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=9-", 10, (9, 9)),
        ("bytes=-20", 10, (0, 9)),
        ("bytes=10-", 10, False),
        ("bytes=0-1,4-5", 10, None),  # several ranges: the whole file
        ("items=0-1", 10, None),
        ("bytes=", 10, False),
    ],
)
def test_parse_range(header, size, expected):
    assert parse_range(header, size) == expected


# --- a big file under ASGI: streamed in chunks, never read whole ------------------------------


@pytest.fixture
def big_file(data_dir, settings) -> bytes:
    data = hashlib.sha256(b"seed").digest() * (3 * READ_AT_ONCE // 32 + 7)
    path = data_dir / "big.pmtiles"
    path.write_bytes(data)
    settings.MAP_PMTILES_PATH = str(path)
    return data


@pytest.mark.asyncio
async def test_under_asgi_a_big_range_is_streamed_with_the_right_bytes(big_file, db):
    response = await AsyncClient().get(
        "/basemap/big.pmtiles", headers={"Range": f"bytes=10-{2 * READ_AT_ONCE}"}
    )
    assert response.status_code == 206
    assert response.streaming
    chunks = [chunk async for chunk in response.streaming_content]
    assert max(len(c) for c in chunks) < READ_AT_ONCE
    assert b"".join(chunks) == big_file[10 : 2 * READ_AT_ONCE + 1]


# --- the real server ---------------------------------------------------------------------------


@pytest.fixture
def pmtiles_env(monkeypatch, tmp_path):
    """Point the ASGI server (started after this fixture) at a sample PMTiles file."""
    path = write_sample(tmp_path / "served" / "basemap" / "mukdahan.pmtiles")
    monkeypatch.setenv("MAP_PMTILES_PATH", str(path))
    return path


def test_daphne_answers_ranges_of_the_file(pmtiles_env, asgi_server):
    data = pmtiles_env.read_bytes()

    def get(range_header: str):
        connection = http.client.HTTPConnection("127.0.0.1", asgi_server.port, timeout=10)
        connection.request("GET", "/basemap/mukdahan.pmtiles", headers={"Range": range_header})
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
        return answer, body

    answer, body = get("bytes=127-1126")
    assert answer.status == 206
    assert answer.headers["Content-Range"] == f"bytes 127-1126/{len(data)}"
    assert answer.headers["Accept-Ranges"] == "bytes"
    assert body == data[127:1127]
    answer, _ = get(f"bytes={len(data)}-")
    assert answer.status == 416
    assert answer.headers["Content-Range"] == f"bytes */{len(data)}"


def test_under_wsgi_a_big_range_is_streamed_with_the_right_bytes(client, big_file):
    response = client.get("/basemap/big.pmtiles", HTTP_RANGE=f"bytes=10-{2 * READ_AT_ONCE}")
    assert response.status_code == 206
    chunks = list(response.streaming_content)
    assert max(len(c) for c in chunks) < READ_AT_ONCE
    assert b"".join(chunks) == big_file[10 : 2 * READ_AT_ONCE + 1]


def test_the_zone_boundary_editor_in_admin_draws_the_base_map(client, admin_user, zone, sample):
    client.force_login(admin_user)
    page = client.get(f"/admin/smartzone/safetyzone/{zone.pk}/change/").content.decode()
    assert "smartzone/basemap.js" in page and "protomaps-leaflet.js" in page
    assert page.index("leaflet/leaflet.js") < page.index("smartzone/basemap.js")
    assert 'data-basemap="{&quot;kind&quot;: &quot;pmtiles&quot;' in page
