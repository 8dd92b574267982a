"""The manifest's ``evidence`` block in words, for people (the end-of-crawl summary, report.html).

One wording in both places, so a reader is told the same thing on the terminal and in the report:
who signed and when, and what the timestamp is. Pure; the callers add their markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def signer(evidence: Mapping[str, Any] | None) -> tuple[str, str | None] | None:
    """(fingerprint, signed_at) of a signed crawl; None when it is unsigned."""
    if not evidence or not evidence.get("signed"):
        return None
    return str(evidence.get("fingerprint")), evidence.get("signed_at")


def timestamp_phrase(evidence: Mapping[str, Any] | None) -> str:
    """``timestamped <time> by <TSA>``, ``timestamp pending (...)`` or ``no trusted timestamp``."""
    stamp = (evidence or {}).get("timestamp") or {}
    status = stamp.get("status")
    if status in ("stamped", "stamped-later"):
        phrase = f"timestamped {stamp.get('gen_time')}"
        return phrase + (f" by {stamp['tsa']}" if stamp.get("tsa") else "")
    if status == "pending":
        return "timestamp pending (the authority did not answer: `citewarc push` asks again)"
    return "no trusted timestamp"
