"""An encrypted stream for backup archives: AES-256-GCM in 1 MiB chunks, never all in memory.

Layout: a header (magic, scrypt salt, nonce prefix, key check, header checksum), then chunks,
each a 4-byte big-endian length whose top bit marks the last chunk, and the ciphertext. A
chunk's nonce is the prefix, its index and the last-chunk flag; the header is its associated
data. So a changed byte fails that chunk's tag, and a reordered, dropped or cut-off chunk shows
too. The key check tells a wrong key apart from a damaged archive before any chunk is read.
"""

import hashlib
import hmac
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"SZBACKUP1\n"
CHUNK = 1 << 20
LAST = 0x80000000
HEADER_SIZE = len(MAGIC) + 16 + 7 + 32 + 8
KEY_CHECK_LABEL = b"smartzone-backup-key-check"


class ArchiveError(Exception):
    """The archive cannot be read: REASON says why, in words for the person restoring."""


class WrongKey(ArchiveError):
    pass


class Damaged(ArchiveError):
    pass


def derive_key(secret: str, salt: bytes) -> bytes:
    """Return the AES key for SECRET (a passphrase or a random token) and SALT."""
    return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(secret.encode())


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, KEY_CHECK_LABEL, hashlib.sha256).digest()


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A file-like object: bytes written to it go encrypted to SINK (a binary file)."""

    def __init__(self, sink, secret: str):
        salt, self._prefix = os.urandom(16), os.urandom(7)
        key = derive_key(secret, salt)
        body = MAGIC + salt + self._prefix + _key_check(key)
        self._header = body + hashlib.sha256(body).digest()[:8]
        self._aead, self._sink = AESGCM(key), sink
        self._buffer, self._index, self.closed = bytearray(), 0, False
        sink.write(self._header)

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), plain, self._header)
        self._sink.write(struct.pack(">I", len(sealed) | (LAST if last else 0)) + sealed)
        self._index += 1

    def close(self) -> None:
        """Write the last chunk (what is left, maybe nothing). Does not close the sink."""
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True


class DecryptingReader:
    """A file-like object reading the plaintext of an archive from SOURCE (a binary file)."""

    def __init__(self, source, secret: str):
        header = source.read(HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise Damaged("this is not a Smart Safety Zone backup archive (no header)")
        body, checksum = header[:-8], header[-8:]
        if hashlib.sha256(body).digest()[:8] != checksum:
            raise Damaged("the archive's header is damaged")
        salt = body[len(MAGIC) : len(MAGIC) + 16]
        self._prefix = body[len(MAGIC) + 16 : len(MAGIC) + 23]
        key = derive_key(secret, salt)
        if not hmac.compare_digest(_key_check(key), body[len(MAGIC) + 23 :]):
            raise WrongKey("wrong backup key: this archive was made with another BACKUP_KEY")
        self._aead, self._source, self._header = AESGCM(key), source, header
        self._buffer, self._pos, self._index, self._done = b"", 0, 0, False

    def _next_chunk(self) -> None:
        length_bytes = self._source.read(4)
        if len(length_bytes) < 4:
            raise Damaged(f"the archive is cut short (chunk {self._index} is missing)")
        (length,) = struct.unpack(">I", length_bytes)
        last, length = bool(length & LAST), length & ~LAST
        if length > CHUNK + 16:
            raise Damaged(f"the archive is damaged (chunk {self._index} has a bad length)")
        sealed = self._source.read(length)
        try:
            nonce = _nonce(self._prefix, self._index, last)
            plain = self._aead.decrypt(nonce, sealed, self._header)
        except InvalidTag:
            raise Damaged(f"the archive is damaged (chunk {self._index} fails its check)") from None
        self._index += 1
        if last:
            if self._source.read(1):
                raise Damaged("the archive is damaged (bytes after its last chunk)")
            self._done = True
        self._buffer, self._pos = self._buffer[self._pos :] + plain, 0

    def read(self, size: int = -1) -> bytes:
        # An offset into the chunk, not slicing it away: tarfile reads 10 KiB at a time.
        while not self._done and (size < 0 or len(self._buffer) - self._pos < size):
            self._next_chunk()
        end = len(self._buffer) if size < 0 else self._pos + size
        out, self._pos = self._buffer[self._pos : end], min(end, len(self._buffer))
        return out

    def drain(self) -> None:
        """Read and check the rest of the archive (the tar's padding and the last chunk)."""
        while not self._done:
            self._buffer, self._pos = b"", 0
            self._next_chunk()
        self._buffer, self._pos = b"", 0
