"""Stores: the protocol, the local folder and S3 implementations, and the verified upload.

``open_store(uri)`` maps a URI's scheme to a store class (Scrapy's ``STORE_SCHEMES``); S3 and
boto3 are imported only when an ``s3://`` store is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlparse

from pipelines.store.base import Store, StoreURIError, control_character, safe_key
from pipelines.store.local import LocalStore

DEFAULT_STORE = "archive"


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
