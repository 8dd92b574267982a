"""Trusted time over HTTP against a real RFC 3161 TSA (openssl ts -reply behind tests/servers/tsa.py):
the token we keep is one ``openssl ts -verify`` accepts; a TSA that is down (503, refused, too slow)
is retried and then reported unavailable; an answer that is not for our query (a replay, other data,
another nonce, a redirect elsewhere) is refused."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp

from pipelines.evidence.timestamp import (
    TimestampError,
    TimestampUnavailable,
    check_timestamp,
    parse_reply,
    request_timestamp,
)
from tests.conftest import PROXY_VARIABLES
from tests.servers.tsa import TsaServer, refusing_port

pytestmark = pytest.mark.integration

DATA = b'{"path": "datapackage.json", "hash": "sha256:89ab", "signedData": {}}\n'


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours the proxy environment (as the crawl's TSA requests should); not here."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tsa(tsa_server: TsaServer) -> Iterator[TsaServer]:
    """The session's TSA, answering normally before and after the test."""
    tsa_server.up()
    yield tsa_server
    tsa_server.up()
    assert tsa_server.wait_idle()


def test_a_token_that_openssl_and_check_timestamp_accept(tsa: TsaServer, tmp_path: Path) -> None:
    before = tsa.requests
    token = request_timestamp(DATA, tsa.url)
    assert tsa.requests == before + 1
    (tmp_path / "datapackage-digest.json").write_bytes(DATA)
    (tmp_path / "token.tsr").write_bytes(token)
    result = subprocess.run(
        ["openssl", "ts", "-verify", "-in", "token.tsr", "-data", "datapackage-digest.json",
         "-CAfile", str(tsa.ca_pem), "-untrusted", str(tsa.tsa_cert_pem)],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0 and "Verification: OK" in result.stdout, result.stderr
    check = check_timestamp(token, DATA, tsa.ca_pem.read_bytes())
    assert (check.ok, check.trusted, check.problem) == (True, True, None)
    assert check.info is not None and check.info.imprint_hex == hashlib.sha256(DATA).hexdigest()
    # And openssl refuses it for other bytes, as check_timestamp does.
    (tmp_path / "other.json").write_bytes(DATA + b" ")
    other = subprocess.run(
        ["openssl", "ts", "-verify", "-in", "token.tsr", "-data", "other.json",
         "-CAfile", str(tsa.ca_pem), "-untrusted", str(tsa.tsa_cert_pem)],
        cwd=tmp_path, capture_output=True, text=True, timeout=30,
    )
    assert other.returncode != 0
    assert not check_timestamp(token, DATA + b" ", tsa.ca_pem.read_bytes()).ok


def test_each_request_has_its_own_nonce(tsa: TsaServer) -> None:
    nonces = {parse_reply(request_timestamp(DATA, tsa.url)).nonce for _ in range(3)}
    assert len(nonces) == 3 and None not in nonces


def test_a_503_tsa_is_retried_then_unavailable(tsa: TsaServer) -> None:
    before_attempts, before_requests = tsa.attempts, tsa.requests
    started = time.monotonic()
    with tsa.outage(), pytest.raises(TimestampUnavailable) as caught:
        request_timestamp(DATA, tsa.url, attempts=3, backoff=0.1)
    elapsed = time.monotonic() - started
    assert tsa.attempts - before_attempts == 3
    assert tsa.requests == before_requests
    assert elapsed >= 0.1 + 0.2  # backoff doubles between attempts
    message = str(caught.value)
    assert "\n" not in message and tsa.url in message and "HTTP 503" in message and "3 attempts" in message


def test_a_tsa_back_after_an_outage_stamps(tsa: TsaServer) -> None:
    before_attempts = tsa.attempts
    tsa.down(2)
    token = request_timestamp(DATA, tsa.url, attempts=3, backoff=0.05)
    assert tsa.attempts - before_attempts == 3
    assert check_timestamp(token, DATA, tsa.ca_pem.read_bytes()).trusted


def test_a_refused_connection_is_unavailable() -> None:
    with refusing_port() as port:
        url = f"http://127.0.0.1:{port}/tsa"
        with pytest.raises(TimestampUnavailable) as caught:
            request_timestamp(DATA, url, attempts=2, backoff=0.01)
    message = str(caught.value)
    assert "\n" not in message and url in message and "2 attempts" in message
    assert "refused" in message.lower()


def test_a_tsa_too_slow_is_unavailable(tsa: TsaServer) -> None:
    before = tsa.attempts
    tsa.delay = 1.0
    started = time.monotonic()
    with pytest.raises(TimestampUnavailable, match="timed out"):
        request_timestamp(DATA, tsa.url, attempts=2, timeout=0.2, backoff=0.01)
    assert time.monotonic() - started < 1.0  # gave up on each, did not wait for the late answers
    assert tsa.attempts - before == 2
    assert tsa.wait_idle()  # the late answers go out before the next test counts


def test_a_replayed_token_is_refused_for_its_nonce(tsa: TsaServer) -> None:
    """The TSA (or someone between) answers with a genuine earlier token for the same data."""
    earlier = request_timestamp(DATA, tsa.url)
    tsa.answer_with(earlier)
    with pytest.raises(TimestampError, match="another nonce") as caught:
        request_timestamp(DATA, tsa.url, attempts=1)
    assert type(caught.value) is TimestampError  # not "unavailable": retrying later would not help


def test_a_token_for_other_data_is_refused(tsa: TsaServer) -> None:
    """A TSA that stamps other bytes (with our nonce): the imprint gives it away."""

    def other_imprint(query: bytes) -> bytes:
        request = tsp.TimeStampReq.load(query)
        return tsp.TimeStampReq({
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                "hashed_message": hashlib.sha256(b"other data").digest()},
            "nonce": request["nonce"].native,
            "cert_req": True,
        }).dump()

    tsa.tamper = other_imprint
    with pytest.raises(TimestampError, match="imprint does not match") as caught:
        request_timestamp(DATA, tsa.url, attempts=1)
    assert type(caught.value) is TimestampError


@pytest.mark.parametrize("status", [302, 307])
def test_a_redirect_is_not_followed(tsa: TsaServer, status: int) -> None:
    """No traffic but to the configured URL: a redirect elsewhere is an unusable answer (urllib
    would otherwise follow a 302 with a GET)."""
    with TsaServer(key_type="ec") as elsewhere:
        tsa.redirect_to, tsa.redirect_status = elsewhere.url, status
        with pytest.raises(TimestampError, match=f"HTTP {status}"):
            request_timestamp(DATA, tsa.url, attempts=1)
        assert elsewhere.attempts == 0


def test_only_http_urls() -> None:
    with pytest.raises(TimestampError, match="must be http"):
        request_timestamp(DATA, "file:///etc/passwd")


def test_the_settings_say_how_often_a_crawl_asks(tsa: TsaServer) -> None:
    """CITEWARC_TSA_ATTEMPTS / CITEWARC_TSA_RETRY_WAIT reach the request a crawl's seal makes."""
    from scrapy.settings import Settings

    from pipelines.evidence.seal import request_token, tsa_retry

    settings = Settings({"CITEWARC_TSA_ATTEMPTS": "2", "CITEWARC_TSA_RETRY_WAIT": "0.2"})
    retry = tsa_retry(settings)
    assert (retry.attempts, retry.wait) == (2, 0.2)
    before = tsa.attempts
    with tsa.outage():
        started = time.monotonic()
        attempt = request_token(DATA, tsa.url, retry)
        elapsed = time.monotonic() - started
    assert attempt.token is None and "2 attempts" in (attempt.error or "")
    assert tsa.attempts - before == 2 and elapsed >= 0.2
    assert tsa_retry(Settings({"CITEWARC_TSA_ATTEMPTS": "0"})).attempts == 1  # at least one request
