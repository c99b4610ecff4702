"""Fixtures of the incidents tests: the default categories, photos good and bad, reports."""

import io
import os
from importlib import import_module
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from incidents import services
from incidents.models import Category

# Inside the demo zone (the Indochina market) and well outside every zone.
IN_ZONE = (16.5447, 104.7256)
OUTSIDE = (16.60, 104.60)


@pytest.fixture
def categories(db):
    """The 11 default categories (a transactional test's flush removes the migration's rows)."""
    defaults = import_module("incidents.migrations.0002_default_categories").DEFAULT_CATEGORIES
    for order, (code, name, name_en) in enumerate(defaults, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def theft(categories):
    return categories["theft"]


def jpeg_bytes(*, size=(64, 48), gps=False, colour=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if gps:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps_ifd[ExifTags.GPS.GPSLatitude] = (16.0, 32.0, 41.0)
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps_ifd[ExifTags.GPS.GPSLongitude] = (104.0, 43.0, 32.0)
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def photo():
    return upload("market.jpg", jpeg_bytes())


@pytest.fixture
def gps_photo():
    return upload("with-gps.jpg", jpeg_bytes(gps=True))


@pytest.fixture
def not_an_image():
    return upload("holiday.jpg", b"MZ\x90\x00 this is a program, not a photo " * 100)


@pytest.fixture(scope="session")
def huge_png() -> bytes:
    """A real PNG of about 30 MB (noise, stored without compression)."""
    pixels = np.random.default_rng(1).integers(0, 255, size=(3200, 3200, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=0)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def bomb_png() -> bytes:
    """A tiny PNG that would unpack into 400 million pixels."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def stored_photo_files() -> set[str]:
    root = Path(settings.DATA_DIR) / "private" / "report-photos"
    found = set()
    for folder, _dirs, files in os.walk(root):
        found |= {os.path.join(folder, f) for f in files}
    return found


@pytest.fixture
def make_report(zone, categories):
    """Submit a report through the service; keyword arguments override the defaults."""

    def make(**overrides):
        values = {
            "kind": "report",
            "category": categories["theft"],
            "description": "กระเป๋าถูกขโมย",
            "lat": IN_ZONE[0],
            "lng": IN_ZONE[1],
        } | overrides
        return services.report_submit(**values)[0]

    return make


@pytest.fixture
def report(make_report):
    return make_report()


@pytest.fixture(autouse=True)
def no_rate_limits_left(fresh_rate_limits):
    """Every incidents test starts with no rate-limit counts."""
