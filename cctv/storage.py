"""Private media: enrollment photos, clips and match crops live outside MEDIA_ROOT.

They have no public URL; pages show them only through access-checked views. The folder is
settings.CCTV_PRIVATE_ROOT, else DATA_DIR/private, read on every use (tests override it).
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        root = getattr(settings, "CCTV_PRIVATE_ROOT", None) or settings.DATA_DIR / "private"
        return str(root)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private media has no public URL")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()
