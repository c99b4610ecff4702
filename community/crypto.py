"""Encrypt LINE channel credentials at rest (smartzone.crypto under this app's own context).

Changing SECRET_KEY makes stored credentials unreadable: enter them again in the admin.
"""

from smartzone import crypto as _crypto
from smartzone.crypto import mask

__all__ = ["decrypt", "encrypt", "mask"]

_CONTEXT = b"smartzone.community.line-channel.v1:"


def encrypt(value: str) -> str:
    return _crypto.encrypt(value, context=_CONTEXT)


def decrypt(value: str) -> str:
    """Return the plain text, or "" when VALUE is empty or was encrypted with another key."""
    return _crypto.decrypt(value, context=_CONTEXT)
