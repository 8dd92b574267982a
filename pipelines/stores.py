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
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast
from urllib.parse import unquote, urlparse

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

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


def _safe_prefix(prefix: str) -> str:
    """A listing prefix: '' or a safe key, optionally ending in '/'."""
    if prefix:
        safe_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


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

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root / safe_key(key)

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
            got = (written.stat().st_size, file_sha256(written))
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
        return StoredObject(key, path.stat().st_size, file_sha256(path))

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


class S3Store:
    """An S3 bucket (AWS or any S3-compatible service) with an optional key prefix."""

    def __init__(self, bucket: str, prefix: str = "", settings: Mapping[str, Any] | None = None):
        settings = settings or {}
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._secrets = [
            v for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
            if len(v := str(_setting(settings, k) or os.environ.get(k) or "")) >= 8
        ]
        self.client = self._make_client(settings)
        self.endpoint = self.client.meta.endpoint_url
        self.transfer_config = TransferConfig(
            multipart_threshold=int(_setting(settings, "CITEWARC_S3_MULTIPART_THRESHOLD")
                                    or 64 * 1024**2),
            multipart_chunksize=int(_setting(settings, "CITEWARC_S3_MULTIPART_CHUNKSIZE")
                                    or 16 * 1024**2),
        )

    def _make_client(self, settings: Mapping[str, Any]):
        config = Config(
            # Recent boto3 sends CRC checksums some S3-compatible servers reject; we keep sha256.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Presigned URLs would otherwise be SigV2 on some endpoints: deprecated, no 7-day cap.
            signature_version="s3v4",
            retries={"mode": "standard",
                     "max_attempts": int(_setting(settings, "CITEWARC_S3_MAX_ATTEMPTS") or 3)},
            connect_timeout=10,
            read_timeout=60,
        )
        kwargs: dict[str, Any] = {"config": config}
        for setting, arg in (("AWS_ENDPOINT_URL", "endpoint_url"),
                             ("AWS_REGION_NAME", "region_name"),
                             ("AWS_USE_SSL", "use_ssl"),
                             ("AWS_VERIFY", "verify")):
            value = _setting(settings, setting)
            if value is not None:
                kwargs[arg] = _as_bool(value) if arg in ("use_ssl", "verify") else value
        try:
            session = boto3.session.Session(
                aws_access_key_id=_setting(settings, "AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=_setting(settings, "AWS_SECRET_ACCESS_KEY"),
                aws_session_token=_setting(settings, "AWS_SESSION_TOKEN"),
            )
            return session.client("s3", **kwargs)
        except BotoCoreError as exc:
            raise self._error(exc, "configure") from None

    def _key(self, key: str) -> str:
        key = safe_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def _call(self, what: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except Exception as exc:
            raise self._error(exc, what) from None

    def check(self) -> None:
        self._call(f"access to {self.uri}", self.client.head_bucket, Bucket=self.bucket)

    def put_file(self, key: str, path: Path, sha256: str) -> StoredObject:
        full = self._key(key)
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            raise StoreError(f"cannot upload {path}: {exc.strerror or exc}") from None
        self._call(f"upload of {path} to {self.location(key)}", self.client.upload_file,
                   Filename=str(path), Bucket=self.bucket, Key=full,
                   ExtraArgs={"Metadata": {"sha256": sha256}}, Config=self.transfer_config)
        head = self._call(f"check of {self.location(key)}", self.client.head_object,
                          Bucket=self.bucket, Key=full)
        got_size, got_sha = head["ContentLength"], head.get("Metadata", {}).get("sha256")
        if (got_size, got_sha) != (size, sha256):
            raise StoreError(
                f"verification failed for {self.location(key)}: stored {got_size} bytes with "
                f"sha256 {got_sha}, expected {size} bytes with sha256 {sha256}"
            )
        return StoredObject(key, size, sha256)

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self._call(f"check of {self.location(key)}", self.client.head_object,
                              Bucket=self.bucket, Key=self._key(key))
        except NotFoundError:
            return None
        return StoredObject(key, head["ContentLength"], head.get("Metadata", {}).get("sha256"))

    def get_file(self, key: str, dest: Path) -> None:
        # s3transfer downloads to a temp name and renames, so ``dest`` is never half-written.
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._call(f"download of {self.location(key)}", self.client.download_file,
                   Bucket=self.bucket, Key=self._key(key), Filename=str(dest),
                   Config=self.transfer_config)

    def read_range(self, key: str, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (an HTTP Range request: one record of a big WARC)."""
        what = f"download of {self.location(key)}"
        obj = self._call(what, self.client.get_object, Bucket=self.bucket, Key=self._key(key),
                         Range=f"bytes={offset}-{offset + length - 1}")
        return self._call(what, obj["Body"].read)

    def read_bytes(self, key: str) -> bytes:
        what = f"download of {self.location(key)}"
        obj = self._call(what, self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        return self._call(what, obj["Body"].read)

    def open_read(self, key: str) -> BinaryIO:
        """The object's body as a stream (one GET, read as it arrives); close it."""
        what = f"download of {self.location(key)}"
        obj = self._call(what, self.client.get_object, Bucket=self.bucket, Key=self._key(key))
        return cast(BinaryIO, _S3Reader(obj["Body"], lambda exc: self._error(exc, what)))

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        """A GET URL anyone can use until it expires: signed here, no request is made.

        SigV4 caps the lifetime at 7 days. The URL carries the access key id (as
        ``X-Amz-Credential``) and a signature, never the secret key.
        """
        if not 1 <= expires_seconds <= MAX_PRESIGN_SECONDS:
            raise StoreError(f"a presigned URL lasts 1 s to {MAX_PRESIGN_SECONDS} s (7 days), "
                             f"not {expires_seconds} s")
        return self._call(f"signing of {self.location(key)}", self.client.generate_presigned_url,
                          ClientMethod="get_object",
                          Params={"Bucket": self.bucket, "Key": self._key(key)},
                          ExpiresIn=int(expires_seconds))

    def list_keys(self, prefix: str = "") -> list[str]:
        root = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")

        def collect() -> list[str]:
            pages = paginator.paginate(Bucket=self.bucket, Prefix=root + _safe_prefix(prefix))
            return [obj["Key"][len(root):] for page in pages for obj in page.get("Contents", [])]

        return sorted(self._call(f"listing of {self.uri}", collect))

    def abort_orphaned_uploads(self, min_age: float = 0.0, key_prefix: str = "") -> int:
        """Abort unfinished multipart uploads under the prefix, started ``min_age`` s ago or more.

        A killed multipart upload leaves invisible parts that are billed until aborted. Use a
        ``min_age`` when other processes may be uploading to the same prefix right now, or a
        ``key_prefix`` (e.g. one crawl id) to touch only one's own.
        """
        root = (f"{self.prefix}/" if self.prefix else "") + _safe_prefix(key_prefix)
        cutoff = time.time() - min_age
        paginator = self.client.get_paginator("list_multipart_uploads")

        def abort() -> int:
            count = 0
            for page in paginator.paginate(Bucket=self.bucket, Prefix=root):
                for upload in page.get("Uploads", []):
                    if upload["Initiated"].timestamp() > cutoff:
                        continue
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                    count += 1
            return count

        return self._call(f"cleanup of unfinished uploads in {self.uri}", abort)

    def _error(self, exc: BaseException, what: str) -> StoreError:
        """Turn a boto error into one line that says what to do, without credentials."""
        # boto3's upload_file wraps the ClientError in S3UploadFailedError: find the cause.
        known = ClientError | BotoConnectionError | NoCredentialsError | PartialCredentialsError
        cause: BaseException | None = exc
        while cause is not None and not isinstance(cause, known):
            cause = cause.__cause__ or cause.__context__
        endpoint = getattr(self, "endpoint", None) or "the S3 endpoint"
        if isinstance(cause, NoCredentialsError | PartialCredentialsError):
            message = ("no S3 credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                       "or a profile)")
            return StoreError(message, transient=False)
        if isinstance(cause, BotoConnectionError):  # refused, DNS, connect timeout
            return StoreError(f"cannot reach S3 endpoint {endpoint}")
        if isinstance(cause, ClientError):
            error = cause.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket" or (code == "404" and cause.operation_name == "HeadBucket"):
                return StoreError(f"S3 bucket '{self.bucket}' does not exist at {endpoint}",
                                  transient=False)
            if code in ("NoSuchKey", "404", "NotFound"):
                return NotFoundError(f"S3 {what} failed: no such key")
            if status == 403 or code in ("403", "AccessDenied", "InvalidAccessKeyId",
                                         "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
                return StoreError(f"S3 credentials were rejected by {endpoint} "
                                  "(check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)",
                                  transient=False)
            detail = f"{code} {error.get('Message', '')}".strip()
        else:
            detail = f"{type(exc).__name__}: {exc}"
        return StoreError(self._redact(f"S3 {what} failed: {detail}"))

    def _redact(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return " ".join(message.split())


class _S3Reader(io.RawIOBase):
    """An S3 body as a file object whose read errors are one-line ``StoreError``s."""

    def __init__(self, body: Any, error: Callable[[BaseException], StoreError]):
        self._body = body
        self._error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._body.read(None if size is None or size < 0 else size)
        except Exception as exc:
            raise self._error(exc) from None

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _setting(settings: Mapping[str, Any], name: str) -> Any:
    """A setting's value, None when unset or empty (Scrapy's AWS_* defaults are None)."""
    value = settings.get(name)
    return None if value in (None, "") else value


def _as_bool(value: Any) -> Any:
    """Scrapy settings from env or -s arrive as strings; AWS_VERIFY may also be a CA bundle path."""
    if isinstance(value, str) and value.lower() in ("0", "false", "no", "off", "1", "true",
                                                     "yes", "on"):
        return value.lower() in ("1", "true", "yes", "on")
    return value


def _local_store(uri: str, settings: Mapping[str, Any]) -> Store:
    if not uri.lower().startswith("file://"):
        return LocalStore(uri)  # a plain path, kept as typed ('#' and '?' are file name characters)
    parsed = urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise StoreError(f"a file:// store must be on this machine, not on {parsed.netloc!r}")
    return LocalStore(unquote(parsed.path))


def _s3_store(uri: str, settings: Mapping[str, Any]) -> Store:
    parsed = urlparse(uri)
    if "@" in parsed.netloc:
        raise StoreError("S3 credentials do not belong in the store URI "
                         "(set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile)")
    prefix = parsed.path.strip("/")
    try:
        if not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError
        if prefix:
            safe_key(prefix)
    except ValueError:
        raise StoreError(f"bad S3 store URI {uri!r} (use s3://bucket[/prefix])") from None
    return S3Store(parsed.netloc, prefix, settings)


STORE_SCHEMES: dict[str, Callable[[str, Mapping[str, Any]], Store]] = {
    "": _local_store,
    "file": _local_store,
    "s3": _s3_store,
}


def open_store(uri: str, settings: Mapping[str, Any] | None = None) -> Store:
    """The store for a path, ``file:///abs/path`` or ``s3://bucket[/prefix]``; ``""``: ./archive."""
    uri = uri or DEFAULT_STORE
    scheme = uri.partition("://")[0].lower() if "://" in uri else ""
    if scheme not in STORE_SCHEMES:
        # Only the scheme is echoed: the rest of a URI may carry a password.
        raise StoreError(f"unsupported store {scheme + '://'!r} (use a path, file:// or s3://)")
    return STORE_SCHEMES[scheme](uri, settings or {})
