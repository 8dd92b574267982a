"""Share a crawl's WACZ: a presigned GET URL and the ReplayWeb.page link that opens it.

The URL works without credentials until it expires (SigV4: 7 days at most). It names the access
key id (``X-Amz-Credential``), as every presigned URL does; the secret key never leaves boto3.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from pipelines.keys import crawl_prefix, wacz_key
from pipelines.manifest import stored_manifest
from pipelines.store.base import NotFoundError, SigningStore

REPLAYWEB = "https://replayweb.page/"


class ShareError(Exception):
    """The crawl cannot be shared; ``str()`` is one line for the user."""


@dataclass(frozen=True)
class SharedCrawl:
    url: str  # presigned GET of the WACZ
    viewer: str  # ReplayWeb.page link that loads it


def replayweb_link(url: str) -> str:
    """ReplayWeb.page loads ``source``; the whole URL is encoded so its own query survives."""
    return f"{REPLAYWEB}?source={quote(url, safe='')}"


def share_crawl(store: SigningStore, crawl_id: str, expires_seconds: int) -> SharedCrawl:
    """Sign the WACZ of a complete crawl whose manifest lists it; ShareError otherwise."""
    key = wacz_key(crawl_id)
    try:
        manifest = stored_manifest(store, crawl_id)
    except NotFoundError:
        if store.list_keys(crawl_prefix(crawl_id)):
            raise ShareError(f"crawl {crawl_id} in {store.uri} is incomplete (no manifest)") from None
        raise ShareError(f"no crawl {crawl_id} in store {store.uri}") from None
    except ValueError:
        raise ShareError(f"the manifest of {crawl_id} in {store.uri} is not valid JSON") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not any(isinstance(f, dict) and f.get("key") == key for f in files or []):
        raise ShareError(f"crawl {crawl_id} has no WACZ in its manifest (crawled before "
                         "packaging existed?)")
    if store.stat(key) is None:
        raise ShareError(f"{store.location(key)} is listed in the manifest but missing "
                         f"(run `citewarc verify {crawl_id}`)")
    url = store.presigned_url(key, expires_seconds)
    return SharedCrawl(url, replayweb_link(url))
