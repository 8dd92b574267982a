"""Seal a crawl's WACZ: sign its digest when a key is configured, timestamp it when a timestamp
authority is, and say what was done in the manifest's ``evidence`` block.

The signing and the RFC 3161 exchange are ``signature`` and ``timestamp``'s; this module decides
when they run during ``finalize_crawl`` and what a failure means: a timestamp authority that is
down never fails a crawl, it leaves the timestamp ``pending`` (stamped later by ``push`` or
``verify --timestamp``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.manifest import iso
from pipelines.package import Signer, Timestamper, WrittenWacz

logger = logging.getLogger(__name__)

STAMPED, STAMPED_LATER, PENDING, OFF = "stamped", "stamped-later", "pending", "off"


@dataclass(frozen=True)
class TsaRetry:
    """How hard to try a timestamp authority before the crawl's timestamp is left pending:
    ``attempts`` requests, waiting ``wait`` seconds, then twice that, ... between them.
    CITEWARC_TSA_ATTEMPTS and CITEWARC_TSA_RETRY_WAIT (``tsa_retry``)."""

    attempts: int = 3
    wait: float = 1.0


DEFAULT_TSA_RETRY = TsaRetry()


def tsa_retry(settings: Any) -> TsaRetry:
    return TsaRetry(attempts=max(1, settings.getint("CITEWARC_TSA_ATTEMPTS", 3)),
                    wait=max(0.0, settings.getfloat("CITEWARC_TSA_RETRY_WAIT", 1.0)))


@dataclass(frozen=True)
class EvidenceOptions:
    """What seals a crawl, read from the settings by its command (``evidence_options``):
    the signing key (``pipelines.evidence.signing_key.SigningKey``), the TSA's URL and how
    often to try it."""

    key: Any = None
    tsa_url: str | None = None
    tsa_retry: TsaRetry = DEFAULT_TSA_RETRY


def evidence_options(settings: Any) -> EvidenceOptions:
    """``CITEWARC_SIGNING_KEY`` (else the default key file, when it exists) and ``CITEWARC_TSA_URL``.
    Raises ``SigningKeyError`` (one line) when a key file is there but unusable."""
    from pipelines.evidence.signing_key import key_path, load_key  # noqa: PLC0415

    key = load_key(key_path(settings.get("CITEWARC_SIGNING_KEY") or None))
    return EvidenceOptions(key=key, tsa_url=settings.get("CITEWARC_TSA_URL") or None,
                           tsa_retry=tsa_retry(settings))


@dataclass
class TimestampAttempt:
    """One request for a timestamp: when, where, and the token or why there is none."""

    tsa_url: str
    requested_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    token: bytes | None = None
    error: str | None = None


def signer_for(options: EvidenceOptions, software: str) -> Signer | None:
    if options.key is None:
        return None
    from pipelines.evidence.signature import sign_hash  # noqa: PLC0415

    key = options.key
    return lambda hash_value, created: sign_hash(hash_value, key, software, created)


def request_token(digest: bytes, tsa_url: str, retry: TsaRetry = DEFAULT_TSA_RETRY) -> TimestampAttempt:
    """Ask the TSA (``request_timestamp`` retries) for a token over ``digest``; a TSA that is down
    or answers nonsense is recorded, never raised."""
    from pipelines.evidence.timestamp import (  # noqa: PLC0415
        TimestampError,
        TimestampUnavailable,
        request_timestamp,
    )

    attempt = TimestampAttempt(tsa_url)
    try:
        attempt.token = request_timestamp(digest, tsa_url, attempts=retry.attempts, backoff=retry.wait)
    except (TimestampUnavailable, TimestampError) as exc:
        attempt.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return attempt


class Sealer:
    """The signer and timestamper ``write_wacz`` calls, remembering what they did."""

    def __init__(self, options: EvidenceOptions, software: str) -> None:
        self.options = options
        self.software = software
        self.attempt: TimestampAttempt | None = None

    @property
    def signer(self) -> Signer | None:
        return signer_for(self.options, self.software)

    @property
    def timestamper(self) -> Timestamper | None:
        if not self.options.tsa_url:
            return None
        tsa_url = self.options.tsa_url

        def stamp(digest: bytes) -> bytes | None:
            self.attempt = request_token(digest, tsa_url, self.options.tsa_retry)
            return self.attempt.token

        return stamp

    def evidence(self, wacz: WrittenWacz | None) -> dict[str, Any]:
        """The manifest's ``evidence`` block for the WACZ as written (None: no WACZ)."""
        return evidence_block(wacz.signed if wacz else None, self.attempt)


def evidence_block(signed: dict[str, Any] | None, attempt: TimestampAttempt | None) -> dict[str, Any]:
    fingerprint = None
    if signed is not None:
        from pipelines.evidence.signing_key import fingerprint_of  # noqa: PLC0415

        fingerprint = fingerprint_of(signed["publicKey"])
    return {"signed": signed is not None, "fingerprint": fingerprint,
            "signed_at": signed.get("created") if signed else None,
            "timestamp": timestamp_block(attempt)}


def timestamp_block(attempt: TimestampAttempt | None, status: str | None = None) -> dict[str, Any]:
    """``evidence.timestamp``: ``off`` (no TSA configured, or no WACZ to stamp), ``stamped``,
    ``pending`` (the TSA did not answer: stamped later), ``stamped-later``."""
    block: dict[str, Any] = {"status": OFF, "tsa_url": None, "gen_time": None, "tsa": None,
                             "requested_at": None, "error": None}
    if attempt is None:
        return block
    block.update(tsa_url=attempt.tsa_url, requested_at=iso(attempt.requested_at))
    if attempt.token is None:
        block.update(status=PENDING, error=attempt.error)
        return block
    from pipelines.evidence.timestamp import parse_reply  # noqa: PLC0415

    info = parse_reply(attempt.token)
    block.update(status=status or STAMPED, gen_time=iso(info.gen_time), tsa=info.tsa)
    return block
