"""The main-text digest every part of the ledger compares: one function, so "same text" means the
same thing in the crawl's text JSON, the citation ledger and the independent-archive check."""

from __future__ import annotations

import hashlib
import re

_WHITESPACE = re.compile(r"\s+")


def main_text_digest(text: str) -> str:
    """sha256 hex of the UTF-8 text with whitespace runs collapsed to one space, stripped: layout
    (line breaks, indentation) differs between extractions of the same words and must not count."""
    return hashlib.sha256(_WHITESPACE.sub(" ", text).strip().encode("utf-8")).hexdigest()
