"""The pure parts of the distributed queue and scheduler: queue members, in-flight entries, which
requests stay with their worker, the retry budget (no Redis needed)."""

from __future__ import annotations

import pytest

from crawler.distributed.connection import BACKOFF_CAP, retry_params
from crawler.distributed.queue import decode_member, encode_member, inflight_entry
from crawler.distributed.scheduler import stays_local


def test_a_member_round_trips_its_key_and_bytes() -> None:
    data = b"\x80\x05\0binary\0with NULs"
    member = encode_member("http://example.test/a?b=c", data)
    assert member.startswith(b"http://example.test/a?b=c\0")
    assert decode_member(member) == ("http://example.test/a?b=c", data)


@pytest.mark.parametrize("key", ["", "a\0b"])
def test_a_member_needs_a_plain_page_key(key: str) -> None:
    with pytest.raises(ValueError):
        encode_member(key, b"x")


def test_an_inflight_entry_gives_back_score_and_member() -> None:
    assert inflight_entry(b"-20|k\0a|b") == (-20.0, b"k\0a|b")


@pytest.mark.parametrize(("meta", "local"), [
    ({"citewarc_key": "k"}, False),
    ({"citewarc_key": "k", "redirect_times": 1}, True),
    ({"citewarc_key": "k", "retry_times": 2}, True),
    ({}, True),
])
def test_hops_retries_and_keyless_requests_stay_local(meta: dict, local: bool) -> None:
    assert stays_local(meta) is local


def test_the_retry_budget_covers_the_outage() -> None:
    params = retry_params(60)
    assert params["retry"].get_retries() * BACKOFF_CAP >= 60
