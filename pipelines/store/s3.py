"""The S3 store: boto3 against AWS or any S3-compatible service (SeaweedFS, MinIO, Ceph, R2).

Endpoint and credentials come from boto3's standard sources and Scrapy's ``AWS_*`` settings. Recent
boto3 sends default CRC checksums some S3-compatible servers reject, so those are sent only when
required. Each upload instead carries an explicit SHA-256 the server checks against the bytes it
received (a server that refuses or ignores it gets plain uploads, each read back and hashed here);
our own sha256 is also kept in each object's metadata and checked with ``head_object``.

Retries are botocore's alone (standard mode: connection errors, timeouts, 5xx and throttling,
with jittered exponential backoff). ``CITEWARC_S3_MAX_ATTEMPTS`` sets them for every call; an
upload asks ``with_retry_budget(seconds)`` for a client with as many retries as it takes to wait
out an outage of about that long (see ``retries_for``). The alternative, tenacity, is not
installed; a second loop of our own over botocore's would wait twice and say so nowhere.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

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

from pipelines.store.base import (
    MAX_PRESIGN_SECONDS,
    READ_BACK,
    SHA256_CHECKSUM,
    Capabilities,
    NotFoundError,
    StoredObject,
    StoreError,
    _safe_prefix,
    safe_key,
    sha256_stream,
)

# botocore's standard mode waits rand(0, 1) * min(base * 2**i, 20 s) before retry i: base 1 s
# for throttling (503 SlowDown), 0.05 s for connection errors, timeouts and other 5xx (1.44).
_BACKOFF_BASE, _BACKOFF_CAP = 1.0, 20.0
# Error codes of a server that does not take x-amz-checksum-* headers (never BadDigest: that is
# a checksum the server did check, and the bytes were wrong).
_CHECKSUM_REFUSALS = {"InvalidRequest", "NotImplemented", "InvalidArgument", "NotSupported",
                      "UnsupportedHeader", "XAmzContentChecksumNotSupported"}


class S3Store:
    """An S3 bucket (AWS or any S3-compatible service) with an optional key prefix."""

    capabilities = Capabilities(presigned_urls=True, multipart_uploads=True)
    # Decided by the first upload: SHA256_CHECKSUM or READ_BACK, for this object's life.
    upload_verification: str | None = None

    def __init__(self, bucket: str, prefix: str = "", settings: Mapping[str, Any] | None = None):
        settings = settings or {}
        self._settings = settings
        self._budgeted: dict[int, S3Store] = {}  # retries -> this store with that client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._secrets = [
            v for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
            if len(v := str(_setting(settings, k) or os.environ.get(k) or "")) >= 8
        ]
        self.client = self._make_client(
            settings, int(_setting(settings, "CITEWARC_S3_MAX_ATTEMPTS") or 3))
        self.endpoint = self.client.meta.endpoint_url
        self.transfer_config = TransferConfig(
            multipart_threshold=int(_setting(settings, "CITEWARC_S3_MULTIPART_THRESHOLD")
                                    or 64 * 1024**2),
            multipart_chunksize=int(_setting(settings, "CITEWARC_S3_MULTIPART_CHUNKSIZE")
                                    or 16 * 1024**2),
        )

    def with_retry_budget(self, seconds: float) -> S3Store:
        """This store with a client that retries each call about ``seconds`` long.

        A call can take longer than its budget by its attempts' own time: nothing when the
        endpoint refuses or fails fast, up to connect plus read timeout each when it hangs.
        """
        retries = retries_for(seconds)
        if retries not in self._budgeted:
            budgeted = copy.copy(self)  # shares _budgeted; keeps its own upload_verification
            budgeted.client = self._make_client(self._settings, retries)
            self._budgeted[retries] = budgeted
        return self._budgeted[retries]

    def _make_client(self, settings: Mapping[str, Any], retries: int):
        config = Config(
            # Recent boto3 sends CRC checksums some S3-compatible servers reject; we keep sha256.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # Presigned URLs would otherwise be SigV2 on some endpoints: deprecated, no 7-day cap.
            signature_version="s3v4",
            retries={"mode": "standard", "max_attempts": retries},
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
        """Upload and prove the stored bytes are ours: by the server's SHA-256 check or by reading back.

        The first upload decides, once for this store object, which proof the server allows
        (``upload_verification``): a server that refuses (or ignores) ``x-amz-checksum-sha256``
        gets plain uploads, each followed by a download that is hashed here.
        """
        full = self._key(key)
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            raise StoreError(f"cannot upload {path}: {exc.strerror or exc}") from None
        where = self.location(key)
        if self.upload_verification != READ_BACK:
            extra = self._checksum_args(sha256, size)
            try:
                self.client.upload_file(Filename=str(path), Bucket=self.bucket, Key=full,
                                        ExtraArgs={"Metadata": {"sha256": sha256}, **extra},
                                        Config=self.transfer_config)
            except Exception as exc:
                if self.upload_verification is not None or not _refuses_checksums(exc):
                    raise self._error(exc, f"upload of {path} to {where}") from None
                self.upload_verification = READ_BACK  # and upload it again, plainly, below
            else:
                head = self._head(key, checksums=True)
                self._check_head(head, where, size, sha256)
                if _checksum_proves(head.get("ChecksumSHA256"), sha256, size,
                                    self.transfer_config.multipart_threshold):
                    self.upload_verification = SHA256_CHECKSUM
                    return StoredObject(key, size, sha256)
                if self.upload_verification is not None:  # it was proved before: not now
                    raise StoreError(f"verification failed for {where}: the server did not "
                                     "confirm the SHA-256 checksum of the upload")
                self.upload_verification = READ_BACK  # accepted but ignored: read this one back
                self._read_back(key, where, sha256)
                return StoredObject(key, size, sha256)
        self._call(f"upload of {path} to {where}", self.client.upload_file,
                   Filename=str(path), Bucket=self.bucket, Key=full,
                   ExtraArgs={"Metadata": {"sha256": sha256}}, Config=self.transfer_config)
        self._check_head(self._head(key), where, size, sha256)
        self._read_back(key, where, sha256)
        return StoredObject(key, size, sha256)

    def _checksum_args(self, sha256: str, size: int) -> dict[str, str]:
        """A single-part upload carries our own sha256, so the server checks it against the bytes;
        a multipart upload has each part's SHA-256 checked (S3 has no whole-object SHA-256 then)."""
        if size < self.transfer_config.multipart_threshold:
            return {"ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256)).decode("ascii")}
        return {"ChecksumAlgorithm": "SHA256"}

    def _head(self, key: str, checksums: bool = False) -> dict[str, Any]:
        extra = {"ChecksumMode": "ENABLED"} if checksums else {}
        return self._call(f"check of {self.location(key)}", self.client.head_object,
                          Bucket=self.bucket, Key=self._key(key), **extra)

    @staticmethod
    def _check_head(head: dict[str, Any], where: str, size: int, sha256: str) -> None:
        got_size, got_sha = head["ContentLength"], head.get("Metadata", {}).get("sha256")
        if (got_size, got_sha) != (size, sha256):
            raise StoreError(
                f"verification failed for {where}: stored {got_size} bytes with "
                f"sha256 {got_sha}, expected {size} bytes with sha256 {sha256}"
            )

    def _read_back(self, key: str, where: str, sha256: str) -> None:
        """Download the stored object and hash it: the proof when the server checks nothing."""
        with self.open_read(key) as body:
            got = sha256_stream(body)[0]
        if got != sha256:
            raise StoreError(f"verification failed for {where}: read back sha256 "
                             f"{got}, expected {sha256}")

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

    def delete(self, key: str) -> None:
        """``delete_object``: S3 answers 204 whether or not the key was there. In a versioned
        bucket this only adds a delete marker (the bytes stay, billed, until a lifecycle rule or
        the bucket's owner removes the old versions)."""
        self._call(f"deletion of {self.location(key)}", self.client.delete_object,
                   Bucket=self.bucket, Key=self._key(key))

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


def retries_for(budget: float) -> int:
    """Retries whose waits add up to about ``budget`` s (each on average half its cap).

    Sized for a throttling server, whose waits start at 1 s, so a call never waits much longer
    than the budget. Waits for an unreachable endpoint start at 0.05 s but reach the same 20 s cap
    after nine retries: a long budget rides out about as long (120 s: 16 retries, some 80 s on
    average), a budget of a few seconds only a blip. Standard mode also spends a retry quota per
    client (500, 14 a retry): one call's retries never exhaust it.
    """
    retries, waited = 0, 0.0
    while waited < budget:
        waited += min(_BACKOFF_BASE * 2**retries, _BACKOFF_CAP) / 2
        retries += 1
    return retries


def _refuses_checksums(exc: BaseException) -> bool:
    """Did the server turn the upload down because it carried a checksum header?"""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ClientError):
        cause = cause.__cause__ or cause.__context__
    if cause is None:
        return False
    code = str(cause.response.get("Error", {}).get("Code", ""))
    status = cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in _CHECKSUM_REFUSALS or status == 501


def _checksum_proves(stored: str | None, sha256: str, size: int, multipart_threshold: int) -> bool:
    """Whether the checksum the server reports for an upload shows it checked our bytes.

    A single-part object's checksum is the SHA-256 of the whole object, ours; a multipart one
    is a checksum of the parts' SHA-256s, suffixed with the part count (``...=-3``).
    """
    if not stored:
        return False
    if size < multipart_threshold:
        return stored == base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
    return "-" in stored and stored.rpartition("-")[2].isdigit()


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
