"""Encrypt secrets at rest (kiosk keys, camera passwords, LINE credentials) with Fernet.

Each use names its own CONTEXT, so one SECRET_KEY gives every kind of secret a different key.
Changing SECRET_KEY makes stored secrets unreadable: enter (or rotate) them again.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet(context: bytes) -> Fernet:
    digest = hashlib.sha256(context + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(value: str, *, context: bytes) -> str:
    """Return VALUE encrypted under CONTEXT's key ("" stays "")."""
    return _fernet(context).encrypt(value.encode()).decode() if value else ""


def decrypt(value: str, *, context: bytes) -> str:
    """Return the plain text, or "" when VALUE is empty or was encrypted with another key."""
    if not value:
        return ""
    try:
        return _fernet(context).decrypt(value.encode()).decode()
    except InvalidToken:
        return ""


def mask(value: str) -> str:
    """Show a secret as its last 4 characters only."""
    return f"••••{value[-4:]}" if value else ""
