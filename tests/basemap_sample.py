"""Write a small real PMTiles base map of the Mukdahan pilot zone, for tests and screenshots.

Vector tiles (MVT, gzip) in the Protomaps basemap layer schema (earth, water, landuse, roads,
buildings, places) that protomaps-leaflet draws; the shapes are made up here around the zone
(16.545 N, 104.724 E), not copied from any map. Encoded with mapbox-vector-tile and written with
the `pmtiles` package's writer (both pinned in requirements-test.txt).

    python -m tests.basemap_sample data/basemap/mukdahan-sample.pmtiles
"""

import functools
import gzip
import io
import math
import sys
import warnings
from pathlib import Path

import mapbox_vector_tile
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry import LineString, Point, Polygon, box, mapping

WEST, SOUTH, EAST, NORTH = 104.700, 16.525, 104.750, 16.565
MEKONG_BANK = 104.7335  # east of it, the river
ZOOMS = range(12, 16)
R = 6378137.0


def merc(lng: float, lat: float) -> tuple[float, float]:
    return R * math.radians(lng), R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    size = 2 * math.pi * R / 2**z
    minx = -math.pi * R + x * size
    maxy = math.pi * R - y * size
    return minx, maxy - size, minx + size, maxy


def _line(*points) -> LineString:
    return LineString([merc(lng, lat) for lng, lat in points])


def _poly(*points) -> Polygon:
    return Polygon([merc(lng, lat) for lng, lat in points])


def features() -> dict[str, list[tuple]]:
    """Return the shapes of the sample, per layer: (geometry in Web Mercator, properties)."""
    w, s = merc(WEST - 0.05, SOUTH - 0.05)
    e, n = merc(EAST + 0.05, NORTH + 0.05)
    riverbank = merc(MEKONG_BANK, 0)[0]
    roads = [
        (
            _line((MEKONG_BANK - 0.0008, SOUTH), (MEKONG_BANK - 0.0012, NORTH)),
            {"kind": "major_road", "name": "ถนนสำราญชายโขง", "name:th": "ถนนสำราญชายโขง"},
        ),
        (
            _line((WEST, 16.5445), (MEKONG_BANK - 0.0008, 16.5445)),
            {"kind": "major_road", "name": "ถนนพิทักษ์พนมเขต", "name:th": "ถนนพิทักษ์พนมเขต"},
        ),
        (
            _line((WEST, 16.5405), (MEKONG_BANK - 0.0008, 16.5405)),
            {"kind": "major_road", "name": "ถนนสองนาง", "name:th": "ถนนสองนาง"},
        ),
    ]
    for i in range(8):
        lng = 104.7150 + i * 0.0022
        roads.append((_line((lng, SOUTH + 0.004), (lng, NORTH - 0.004)), {"kind": "minor_road"}))
    buildings = [
        (
            _poly(
                (lng, lat), (lng + 0.0006, lat), (lng + 0.0006, lat + 0.0005), (lng, lat + 0.0005)
            ),
            {"kind": "building"},
        )
        for lng in (104.7165, 104.7190, 104.7215, 104.7240, 104.7265, 104.7290)
        for lat in (16.5415, 16.5455, 16.5490)
    ]
    return {
        "earth": [(box(w, s, e, n), {"kind": "earth"})],
        "water": [(box(riverbank, s, e, n), {"kind": "water", "name": "แม่น้ำโขง"})],
        "landuse": [
            (
                _poly(
                    (104.7200, 16.5500),
                    (104.7250, 16.5500),
                    (104.7250, 16.5530),
                    (104.7200, 16.5530),
                ),
                {"kind": "park", "name": "สวนสาธารณะ"},
            ),
        ],
        "roads": roads,
        "buildings": buildings,
        "places": [
            (
                Point(merc(104.7240, 16.5470)),
                {
                    "kind": "locality",
                    "name": "มุกดาหาร",
                    "name:th": "มุกดาหาร",
                    "min_zoom": 10,
                    "population_rank": 10,
                },
            ),
        ],
    }


def tile(z: int, x: int, y: int, layers: dict[str, list[tuple]]) -> bytes:
    bounds = tile_bounds(z, x, y)
    area = box(*bounds)
    encoded = []
    for name, items in layers.items():
        feats = []
        for geom, props in items:
            clipped = geom.intersection(area.buffer((bounds[2] - bounds[0]) / 16))
            if not clipped.is_empty:
                feats.append({"geometry": mapping(clipped), "properties": props})
        if feats:
            encoded.append({"name": name, "features": feats})
    return mapbox_vector_tile.encode(encoded, default_options={"quantize_bounds": bounds})


def write_sample(path: Path) -> Path:
    """Write the sample PMTiles file to PATH and return PATH."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sample_bytes())
    return path


@functools.cache
def sample_bytes() -> bytes:
    """Return the sample PMTiles file (made once per process)."""
    with warnings.catch_warnings():
        # mapbox-vector-tile 2.2 calls a shapely function shapely 2.2 deprecates.
        warnings.simplefilter("ignore", DeprecationWarning)
        return _build()


def _build() -> bytes:
    layers = features()
    tiles = []
    for z in ZOOMS:
        x0, y0 = tile_of(WEST, NORTH, z)
        x1, y1 = tile_of(EAST, SOUTH, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                tiles.append((zxy_to_tileid(z, x, y), tile(z, x, y, layers)))
    f = io.BytesIO()
    writer = Writer(f)
    for tile_id, data in sorted(tiles):
        writer.write_tile(tile_id, gzip.compress(data, mtime=0))
    writer.finalize(
        {
            "tile_type": TileType.MVT,
            "tile_compression": Compression.GZIP,
            "min_lon_e7": int(WEST * 1e7),
            "min_lat_e7": int(SOUTH * 1e7),
            "max_lon_e7": int(EAST * 1e7),
            "max_lat_e7": int(NORTH * 1e7),
            "center_zoom": 15,
            "center_lon_e7": int(104.724 * 1e7),
            "center_lat_e7": int(16.545 * 1e7),
        },
        {
            "name": "Smart Safety Zone test sample (Mukdahan)",
            "vector_layers": [{"id": name, "fields": {}} for name in layers],
        },
    )
    return f.getvalue()


if __name__ == "__main__":
    print(write_sample(Path(sys.argv[1] if len(sys.argv) > 1 else "mukdahan-sample.pmtiles")))
