"""Encrypt LINE channel credentials at rest with a key derived from SECRET_KEY.

Changing SECRET_KEY makes stored credentials unreadable: enter them again in the admin.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_CONTEXT = b"smartzone.community.line-channel.v1:"


def _fernet() -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """Return the plain text, or "" when VALUE is empty or was encrypted with another key."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        return ""


def mask(value: str) -> str:
    """Show a secret as its last 4 characters only."""
    return f"••••{value[-4:]}" if value else ""
