"""The digest of a page's main text that every part of the ledger compares (pure).

Our capture's text JSON, the soft-404 probe and an independent archive's copy are compared by this
one function, so "same text" means the same thing everywhere: whitespace runs (line breaks from a
different extractor, indentation, non-breaking spaces) are one space, the ends are stripped, and
nothing else is changed.
"""

from __future__ import annotations

import hashlib


def normalised_text(text: str | None) -> str:
    """The text as digested: whitespace runs collapsed to one space, stripped."""
    return " ".join((text or "").split())


def main_text_digest(text: str | None) -> str | None:
    """sha256 hex of the normalised UTF-8 text; None when there is no text at all (two empty
    extractions must not read as "the same text")."""
    norm = normalised_text(text)
    if not norm:
        return None
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()
