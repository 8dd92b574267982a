"""Where files wait on this machine: the cache folder, the spool root and a store's folder in it.

The spool holds a crawl's files until the store confirms them (``<root>/<store slug>/<crawl id>``);
the cache folder beside it holds locks, logs and pywb's environment. Every command, the crawl and
the job lock name these paths through this module, so they always agree.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

SPOOL_SETTING = "CITEWARC_SPOOL"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/citewarc`` or ``~/.cache/citewarc`` (where the spool lives too)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "citewarc"


def default_spool() -> Path:
    """The spool root when CITEWARC_SPOOL is not set."""
    return cache_dir() / "spool"


def spool_setting(settings: Any) -> str:
    """The spool root as configured (CITEWARC_SPOOL, else the default), before ``~`` is expanded:
    the text a command checks for control characters before it names files with it."""
    return str(settings.get(SPOOL_SETTING) or default_spool())


def spool_root(settings: Any) -> Path:
    """The spool root the settings name."""
    return Path(spool_setting(settings)).expanduser()


def store_slug(uri: str) -> str:
    """Folder name of a store inside the spool: readable, plus a hash so two stores never collide."""
    readable = re.sub(r"[^a-z0-9]+", "-", uri.lower()).strip("-")[-40:] or "store"
    return f"{readable}-{hashlib.sha256(uri.encode()).hexdigest()[:8]}"


def store_spool(root: Path, store_uri: str) -> Path:
    """A store's folder in the spool: the crawls that wait for that store."""
    return root / store_slug(store_uri)


def crawl_spool(root: Path, store_uri: str, crawl_id: str) -> Path:
    """A crawl's folder in the spool, where its files wait until the store confirms them."""
    return store_spool(root, store_uri) / crawl_id
