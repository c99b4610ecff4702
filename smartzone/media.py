"""Private files (report photos, face crops, watchlist photos, check-in photos, meeting
attachments): kept outside MEDIA_ROOT and served only by views that have checked access.

`private_storage(*parts)` is where such files live (DATA_DIR/private/..., read on every use);
`private_file_response(...)` is the one way a view hands one out.
"""

import os
import re
import unicodedata

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


class PrivateStorage(FileSystemStorage):
    """A folder under DATA_DIR/private with no URL: files leave it only through a view."""

    def __init__(self, *parts: str):
        self.parts = parts
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return str(settings.DATA_DIR.joinpath("private", *self.parts))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL")


def _ascii_part(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def safe_filename(name: str, default: str = "file") -> str:
    """Return NAME as a short ASCII filename safe in a Content-Disposition header."""
    name = os.path.basename(name.replace("\\", "/"))
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem, extension = _ascii_part(stem)[:80] or default, _ascii_part(extension)[:10]
    return f"{stem}.{extension}" if extension else stem


def private_file_response(
    fieldfile,
    *,
    filename: str,
    content_type: str,
    as_attachment: bool = False,
    no_store: bool = False,
) -> FileResponse:
    """Serve FIELDFILE to a user the caller has already checked; 404 if the file is missing."""
    if not fieldfile:
        raise Http404(_("Not found."))
    try:
        handle = fieldfile.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("Not found.")) from None
    response = FileResponse(handle, content_type=content_type)
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{safe_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if no_store else "private, max-age=0"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
