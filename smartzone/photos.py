"""Check and clean uploaded photos (citizens' report photos, kiosk snapshots): decode them,
refuse what is not a photo, drop metadata.

Nothing here trusts a file's name or declared content type: the bytes are decoded by Pillow
(HEIC through pillow-heif). The stored copy is re-encoded from the pixels, so EXIF (with its
GPS position), XMP and comments are gone; the EXIF orientation is applied first so the
picture stays the right way up.
"""

import io
import warnings
from dataclasses import dataclass

import pillow_heif
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

MAX_PHOTOS = 5
MAX_BYTES = 10 * 1024 * 1024
# More pixels than any phone camera gives by default; beyond this a small file that unpacks
# into gigabytes of memory (a decompression bomb) is refused before it is decoded.
MAX_PIXELS = 64_000_000
ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "JPEG", "MPO": "JPEG"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def content_type_for(name: str) -> str:
    """The content type of a cleaned photo stored under NAME (by the extension it was given)."""
    extension = name.rsplit(".", 1)[-1].lower()
    types = {EXTENSIONS[fmt]: CONTENT_TYPES[fmt] for fmt in EXTENSIONS}
    return types.get(extension, "application/octet-stream")


@dataclass
class CleanPhoto:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(
        _("Photo “%(name)s”: %(reason)s") % {"name": name[:80], "reason": reason},
        code="photo",
    )


def clean_photo(upload) -> CleanPhoto:
    """Return a re-encoded copy of UPLOAD without metadata, or raise ValidationError saying why."""
    name = getattr(upload, "name", "") or _("photo")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _refuse(name, _("it is larger than 10 MB. Send a smaller photo."))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(name, _("it is larger than 10 MB. Send a smaller photo."))
    not_a_photo = _("it is not a JPEG, PNG, WebP or HEIC photo.")
    too_big = _("the picture is too large (too many pixels) to be a photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED:
                raise _refuse(name, not_a_photo)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _refuse(name, too_big)
            out_format = ACCEPTED[image.format]
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(name, too_big) from None
    except UnidentifiedImageError:
        raise _refuse(name, not_a_photo) from None
    except (OSError, ValueError, SyntaxError):
        raise _refuse(name, _("the file is damaged and cannot be opened.")) from None
    if out_format == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    elif out_format != "JPEG" and image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGBA")
    buffer = io.BytesIO()
    options = {"quality": 88} if out_format in {"JPEG", "WEBP"} else {}
    # No exif=, no pnginfo=, no xmp=: the copy carries pixels only.
    image.save(buffer, format=out_format, **options)
    return CleanPhoto(
        content=buffer.getvalue(),
        content_type=CONTENT_TYPES[out_format],
        extension=EXTENSIONS[out_format],
        width=image.width,
        height=image.height,
    )


def clean_photos(uploads) -> list[CleanPhoto]:
    """Clean every upload; raise one ValidationError listing every refused photo."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("Send at most %(n)d photos.") % {"n": MAX_PHOTOS}}, code="too_many"
        )
    cleaned, errors = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned
