"""A store that is a folder on this machine.

Nothing here is retried: a local disk has no outage to wait out (a full disk or a permission
error stays so for longer than an upload should wait), so an error fails the call at once; the
files stay in the spool and ``citewarc push`` stores them once the cause is fixed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from pipelines.store.base import (
    _CHUNK,
    READ_BACK,
    Capabilities,
    NotFoundError,
    StoredObject,
    StoreError,
    _safe_prefix,
    inside,
    safe_key,
    sha256_file,
)

_TMP_SUFFIX = ".citewarc-tmp"


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

    capabilities = Capabilities()
    upload_verification = READ_BACK  # each copy is re-hashed before it gets its final name

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.uri = str(self.root)

    def _path(self, key: str) -> Path:
        return inside(self.root, self.root / safe_key(key))

    def location(self, key: str) -> str:
        return str(self._path(key))

    def with_retry_budget(self, seconds: float) -> LocalStore:
        """Itself: a local error is not an outage, waiting does not help (see the module doc)."""
        return self

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
        with _read_errors(path), open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read(length)

    def read_bytes(self, key: str) -> bytes:
        path = self._path(key)
        with _read_errors(path):
            return path.read_bytes()

    def open_read(self, key: str) -> BinaryIO:
        """A binary stream of the stored file, to read files too big for memory; close it."""
        path = self._path(key)
        with _read_errors(path):
            return open(path, "rb")  # noqa: SIM115 - the caller closes it

    def presigned_url(self, key: str, expires_seconds: int) -> str:
        """Not a capability of a folder (``can_sign`` is False): refused in one line, should a
        caller skip the check. A folder is shared by opening its files directly."""
        raise StoreError(f"a local store cannot make a shareable URL for {self.location(key)}")

    def delete(self, key: str) -> None:
        """Unlink the file (a missing one is fine). Folders left empty stay: pruning them would
        race another process storing a file into the same folder (``put_file`` makes the folder,
        then its temp file in it), and ``list_keys`` never shows an empty folder anyway."""
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete {path}: {exc.strerror or exc}") from None

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


@contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """A missing file is NotFoundError; any other OS error one line of StoreError."""
    try:
        yield
    except FileNotFoundError:
        raise NotFoundError(f"{path} does not exist") from None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
