"""What an editor changed between two captures of a page (pure).

Compared: the main text, title, author and date. Whitespace and boilerplate churn (a "last updated"
line, view or comment counters, "5 minutes ago") are not edits, so they are normalised away before
comparing and are left out of the diff.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from typing import Any

FIELDS = ("title", "author", "date", "text")

_CHURN = [
    re.compile(r"^(last\s+)?(updated|modified|published|posted|edited)\b.{0,60}$", re.I),
    re.compile(r"^[\d.,\s]+(k|m)?\s*(views?|reads?|comments?|shares?|likes?|readers?)\b.{0,20}$", re.I),
    re.compile(r"^(about\s+)?\d+\s+(seconds?|minutes?|mins?|hours?|hrs?|days?)\s+ago$", re.I),
    re.compile(r"^\d{1,2}:\d{2}(\s*(am|pm))?(\s+[a-z]{2,5})?$", re.I),  # a bare clock time
]


def is_churn(line: str) -> bool:
    return any(pattern.match(line) for pattern in _CHURN)


def normalise_lines(text: str | None) -> list[str]:
    """Lines of text with whitespace collapsed; empty and churn lines dropped."""
    lines = (" ".join(line.split()) for line in (text or "").splitlines())
    return [line for line in lines if line and not is_churn(line)]


def text_digest(text: str | None) -> str:
    """sha256 of the normalised text: equal digests mean no edit worth reporting."""
    return hashlib.sha256("\n".join(normalise_lines(text)).encode("utf-8")).hexdigest()


def _norm_field(value: Any) -> str:
    return " ".join(str(value or "").split())


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    fields = [f for f in ("title", "author", "date")
              if _norm_field(before.get(f)) != _norm_field(after.get(f))]
    if normalise_lines(before.get("text")) != normalise_lines(after.get("text")):
        fields.append("text")
    return fields


def build_diff(url: str, before: dict[str, Any], after: dict[str, Any],
               before_meta: dict[str, Any], after_meta: dict[str, Any]) -> dict[str, Any] | None:
    """The diff document of two text records, or None when nothing an editor did changed."""
    fields = changed_fields(before, after)
    if not fields:
        return None
    changes = {f: {"before": before.get(f), "after": after.get(f)} for f in fields if f != "text"}
    text_diff = ""
    if "text" in fields:
        text_diff = "\n".join(difflib.unified_diff(
            normalise_lines(before.get("text")), normalise_lines(after.get("text")),
            fromfile=f"{url} @ {before_meta.get('fetched_at')}",
            tofile=f"{url} @ {after_meta.get('fetched_at')}",
            lineterm="",
        ))
    return {
        "url": url,
        "before": before_meta,
        "after": after_meta,
        "fields_changed": fields,
        "changes": changes,
        "text_diff": text_diff,
    }
