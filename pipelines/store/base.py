"""Where finished files go: a local folder or an S3 bucket, behind one small interface.

Callers hold a ``Store`` from ``open_store(uri)`` and never learn which kind it is (the shape of
Scrapy's ``FSFilesStore`` / ``S3FilesStore`` and ``STORE_SCHEMES``).  Keys are ``/``-separated and
relative to the store root; ``safe_key`` keeps anything derived from a URL inside that root.

Every ``put_file`` is verified before it returns: the local store re-hashes what it wrote, the S3
store reads back size and our own ``sha256`` metadata (a multipart ETag is not a content hash).
The methods block; callers run them in a thread.

What only some stores can do is said once, in ``Capabilities``; callers ask ``can_sign`` or
``has_multipart_uploads`` (which also narrow the type), never ``hasattr`` or the URI's scheme.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol, TypeGuard

MAX_KEY_BYTES = 1024  # S3's limit; kept for local stores too so a crawl moves between them
_CHUNK = 1024 * 1024
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit for presigned URLs
# How a store proved an upload's bytes (the manifest's ``upload_verification``):
SHA256_CHECKSUM = "sha256-checksum"  # the server checked each upload's SHA-256 (x-amz-checksum)
READ_BACK = "read-back"  # each stored copy was read back and hashed here


class StoreError(Exception):
    """One-line, user-facing message. Never contains credentials.

    ``transient`` says whether waiting could help (an outage) or not (bad credentials, no such
    bucket, a lost file): the upload report says which.
    """

    def __init__(self, message: str, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


class StoreURIError(StoreError):
    """The store URI itself is wrong (unknown scheme, credentials in it, no bucket): a usage
    error (exit 2), not an outage (exit 4)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class NotFoundError(StoreError):
    """The key does not exist in the store."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


@dataclass(frozen=True)
class StoredObject:
    key: str
    bytes: int
    sha256: str | None  # None if the store has no recorded sha256 for it


@dataclass(frozen=True)
class Capabilities:
    """What a kind of store can do beyond the core methods of ``Store``."""

    presigned_urls: bool = False  # presigned_url(): a time-limited GET URL for anyone (S3)
    multipart_uploads: bool = False  # abort_orphaned_uploads(): parts a cut upload left (S3)


class Store(Protocol):
    uri: str  # printable and credential-free: "/abs/path" or "s3://bucket/prefix"
    capabilities: ClassVar[Capabilities]
    # How the last put_file proved the stored bytes (READ_BACK or SHA256_CHECKSUM); None before.
    upload_verification: str | None

    def with_retry_budget(self, seconds: float) -> Store:
        """This store, waiting out an outage of about ``seconds`` before a call fails."""
        ...

    def check(self) -> None: ...
    def put_file(self, key: str, path: Path, sha256: str) -> StoredObject: ...
    def stat(self, key: str) -> StoredObject | None: ...
    def get_file(self, key: str, dest: Path) -> None: ...
    def read_bytes(self, key: str) -> bytes: ...
    def read_range(self, key: str, offset: int, length: int) -> bytes: ...
    def open_read(self, key: str) -> BinaryIO: ...
    def list_keys(self, prefix: str = "") -> list[str]: ...
    def location(self, key: str) -> str: ...

    def delete(self, key: str) -> None:
        """Remove the file at ``key``; a key that is not there is not an error (S3's own rule), so
        a finalizer killed halfway through its cleanup can simply run it again."""
        ...


class SigningStore(Store, Protocol):
    """A store with ``capabilities.presigned_urls``."""

    def presigned_url(self, key: str, expires_seconds: int) -> str: ...


class MultipartStore(Store, Protocol):
    """A store with ``capabilities.multipart_uploads``."""

    def abort_orphaned_uploads(self, min_age: float = 0.0, key_prefix: str = "") -> int: ...


def can_sign(store: Store) -> TypeGuard[SigningStore]:
    """Whether ``store`` hands out presigned URLs (a local folder is shared by its files)."""
    return store.capabilities.presigned_urls


def has_multipart_uploads(store: Store) -> TypeGuard[MultipartStore]:
    """Whether an interrupted upload to ``store`` can leave parts behind that need aborting."""
    return store.capabilities.multipart_uploads


def control_character(text: str) -> str | None:
    """The first control or line-separating character in ``text`` (``repr``-ed), else None.

    A newline in a path ends a crontab entry (and starts a new one, whatever the quoting), forges a
    log line, and makes a file name nobody can type: paths and names must not hold one.
    """
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return repr(char)
    return None


def safe_key(key: str) -> str:
    """Return ``key`` unchanged if it stays inside a store root, else raise ValueError.

    Keys are taken literally (``%2e%2e`` is a file name, not ``..``), so rejecting what a
    filesystem or an S3 console would interpret is enough: absolute paths, ``.``/``..`` and empty
    segments, backslashes and control characters.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("empty store key")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise ValueError(f"store key longer than {MAX_KEY_BYTES} bytes")
    if "\\" in key or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise ValueError(f"store key {key!r} contains a backslash or control character")
    if key.startswith("/"):
        raise ValueError(f"store key {key!r} is absolute")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"store key {key!r} has an empty, '.' or '..' segment")
    return key


def inside(root: Path, path: Path) -> Path:
    """``path`` unchanged if, symbolic links followed, it stays under ``root`` (resolved).

    A link planted in a store or spool folder (``warc -> /home/ana/.aws``) would otherwise make
    citewarc write outside it, or read a private file and upload it as part of a crawl.
    """
    real = path.resolve()
    if real != root and not real.is_relative_to(root):
        raise StoreError(f"{path} leads out of {root} through a symbolic link (to {real}); "
                         "refused", transient=False)
    return path


def _safe_prefix(prefix: str) -> str:
    """A listing prefix: '' or a safe key, optionally ending in '/'."""
    if prefix:
        safe_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def sha256_stream(stream: BinaryIO) -> tuple[str, int]:
    """sha256 (hex) and byte count of a stream read to its end: the one fixity hash of a file,
    whether it sits in the spool, in a local store or comes back from S3."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def sha256_file(path: Path) -> str:
    """sha256 (hex) of a file, as the manifest records it."""
    with open(path, "rb") as f:
        return sha256_stream(f)[0]

