"""Encrypt LINE channel credentials at rest with a key derived from SECRET_KEY.

Changing SECRET_KEY makes stored credentials unreadable: enter them again in the admin.
The Fernet helpers are shared in smartzone.crypto; this module keeps the LINE context.
"""

from smartzone import crypto

_CONTEXT = b"smartzone.community.line-channel.v1:"
mask = crypto.mask


def encrypt(value: str) -> str:
    return crypto.encrypt(value, context=_CONTEXT)


def decrypt(value: str) -> str:
    """Return the plain text, or "" when VALUE is empty or was encrypted with another key."""
    return crypto.decrypt(value, context=_CONTEXT)
