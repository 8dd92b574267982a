"""Where finished files go: a local folder or an S3 bucket, behind one small interface.

Callers hold a ``Store`` from ``open_store(uri)`` and never learn which kind it is (the shape of
Scrapy's ``FSFilesStore`` / ``S3FilesStore`` and ``STORE_SCHEMES``).  Keys are ``/``-separated and
relative to the store root; ``safe_key`` keeps anything derived from a URL inside that root.

Every ``put_file`` is verified before it returns: the local store re-hashes what it wrote, the S3
store reads back size and our own ``sha256`` metadata (a multipart ETag is not a content hash).
The methods block; callers run them in a thread.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import unquote, urlparse

DEFAULT_STORE = "archive"
MAX_KEY_BYTES = 1024  # S3's limit; kept for local stores too so a crawl moves between them
_TMP_SUFFIX = ".citewarc-tmp"
_CHUNK = 1024 * 1024
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit for presigned URLs


class StoreError(Exception):
    """One-line, user-facing message. Never contains credentials.

    ``transient`` says whether waiting could help (an outage) or not (bad credentials, no such
    bucket): uploads retry only the former.
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


class Store(Protocol):
    uri: str  # printable and credential-free: "/abs/path" or "s3://bucket/prefix"

    def check(self) -> None: ...
    def put_file(self, key: str, path: Path, sha256: str) -> StoredObject: ...
    def stat(self, key: str) -> StoredObject | None: ...
    def get_file(self, key: str, dest: Path) -> None: ...
    def read_bytes(self, key: str) -> bytes: ...
    def read_range(self, key: str, offset: int, length: int) -> bytes: ...
    def open_read(self, key: str) -> BinaryIO: ...
    def list_keys(self, prefix: str = "") -> list[str]: ...
    def location(self, key: str) -> str: ...


class SigningStore(Store, Protocol):
    """A store that can hand out time-limited URLs (only S3 can; LocalStore raises StoreError)."""

    def presigned_url(self, key: str, expires_seconds: int) -> str: ...


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


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    shutil.copyfileobj(src, dst, _CHUNK)


def _atomic_copy(src: Path, dest: Path, check: Callable[[Path], None] | None = None) -> None:
    """Copy ``src`` to ``dest`` through a synced temp file in dest's folder, renamed into place.

    ``check`` looks at the temp file before the rename, so a bad copy never gets the final name.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=_TMP_SUFFIX)
    try:
        with open(src, "rb") as s, os.fdopen(fd, "wb") as d:
            _copy(s, d)
            d.flush()
            os.fsync(d.fileno())
        if check:
            check(Path(name))
        os.replace(name, dest)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)


def _fsync_dir(path: Path) -> None:
    """Make a rename durable: without it a crash can lose the new directory entry."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    """A folder. Files appear under their final name only whole (temp file, fsync, rename)."""

    upload_verification = "read-back"  # each copy is re-hashed before it gets its final name

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        return inside(self.root, self.root / safe_key(key))

    def location(self, key: str) -> str:
        return str(self._path(key))

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".check", suffix=_TMP_SUFFIX):
                pass
        except OSError as exc:
            raise StoreError(f"cannot write to store {self.uri}: {exc.strerror or exc}") from None

    def put_file(self, key: str, path: Path, sha256: str) -> StoredObject:
        dest = self._path(key)

        def verify(written: Path) -> None:
            got = (written.stat().st_size, sha256_file(written))
            if got != (size, sha256):
                raise StoreError(
                    f"verification failed for {dest}: wrote {got[0]} bytes with sha256 "
                    f"{got[1]}, expected {size} bytes with sha256 {sha256}"
                )

        try:
            size = os.stat(path).st_size
            _atomic_copy(Path(path), dest, verify)
        except OSError as exc:
            raise StoreError(f"cannot store {path} as {dest}: {exc.strerror or exc}") from None
        return StoredObject(key, size, sha256)

    def stat(self, key: str) -> StoredObject | None:
        path = self._path(key)
        if not path.is_file():
            return None
        return StoredObject(key, path.stat().st_size, sha256_file(path))

    def get_file(self, key: str, dest: Path) -> None:
        src = self._path(key)
        if not src.is_file():
            raise NotFoundError(f"{src} does not exist")
        try:
            _atomic_copy(src, Path(dest))
        except OSError as exc:
            raise StoreError(f"cannot copy {src} to {dest}: {exc.strerror or exc}") from None

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (one WARC record, without reading the whole file)."""
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                return fh.read(length)
        except FileNotFoundError:
            raise NotFoundError(f"{path} does not exist") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"{path} does not exist") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None

    def open_read(self, key: str) -> BinaryIO:
        """A binary stream of the stored file, to read files too big for memory; close it."""
        path = self._path(key)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise NotFoundError(f"{path} does not exist") from None
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        """Only S3 signs URLs; a folder is shared by opening its files directly."""
        raise StoreError(f"a local store cannot make a shareable URL for {self.location(key)}")

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix`` (a string prefix, as in S3), temp files left out."""
        top = self.root / _safe_prefix(prefix).rpartition("/")[0]
        keys = []
        for dirpath, _dirs, files in os.walk(top):  # a missing top yields nothing
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in files:
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix) and not name.endswith(_TMP_SUFFIX):
                    keys.append(key)
        return sorted(keys)


def _local_store(uri: str, settings: Mapping[str, Any]) -> Store:
    if not uri.lower().startswith("file://"):
        return LocalStore(uri)  # a plain path, kept as typed ('#' and '?' are file name characters)
    parsed = urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise StoreURIError(f"a file:// store must be on this machine, not on {parsed.netloc!r}")
    return LocalStore(unquote(parsed.path))


def _s3_store(uri: str, settings: Mapping[str, Any]) -> Store:
    parsed = urlparse(uri)
    if "@" in parsed.netloc:
        raise StoreURIError("S3 credentials do not belong in the store URI "
                         "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile)")
    prefix = parsed.path.strip("/")
    try:
        if not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError
        if prefix:
            safe_key(prefix)
    except ValueError:
        raise StoreURIError(f"bad S3 store URI {uri!r} (use s3://bucket[/prefix])") from None
    from pipelines.store.s3 import S3Store  # noqa: PLC0415 - boto3 loads only when needed

    return S3Store(parsed.netloc, prefix, settings)


STORE_SCHEMES: dict[str, Callable[[str, Mapping[str, Any]], Store]] = {
    "": _local_store,
    "file": _local_store,
    "s3": _s3_store,
}


def open_store(uri: str, settings: Mapping[str, Any] | None = None) -> Store:
    """The store for a path, ``file:///abs/path`` or ``s3://bucket[/prefix]``; ``""``: ./archive."""
    uri = uri or DEFAULT_STORE
    if control_character(uri):
        raise StoreURIError(f"the store holds a control character ({control_character(uri)}): "
                            "a path or URI cannot")
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    if scheme not in STORE_SCHEMES:
        # Only the scheme is echoed: the rest of a URI may carry a password.
        raise StoreURIError(f"unsupported store {scheme + '://'!r} (use a path, file:// or s3://)")
    return STORE_SCHEMES[scheme](uri, settings or {})
