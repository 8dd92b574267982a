"""The pure side of the Memento lookups: link-format and TimeMaps as archives write them, nearest
mementos, the archives setting, raw memento URIs, text comparison, the main-text digest, the budget."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.ledger.link_format import parse_links
from pipelines.ledger.memento import (
    ARCHIVE_TODAY_TIMEMAP,
    WAYBACK_TIMEMAP,
    Archive,
    ArchiveAnswer,
    Deadline,
    Memento,
    archives_from_setting,
    closest,
    compare_texts,
    mementos_of,
    nearest,
    parse_http_date,
    parse_published,
    parse_timemap,
    raw_memento_uri,
    timegate_answer,
)
from pipelines.ledger.text_digest import main_text_digest

# What pywb 2.10 answered at /<coll>/timemap/link/<url> with enable_memento: true (copied from a run).
PYWB_TIMEMAP = """\
<http://127.0.0.1:18765/arch/timemap/link/http://127.0.0.1:9999/notice.html>; rel="self"; \
type="application/link-format"; from="Sat, 10 Jan 2026 12:00:00 GMT",
<http://127.0.0.1:18765/arch/http://127.0.0.1:9999/notice.html>; rel="timegate",
<http://127.0.0.1:9999/notice.html>; rel="original",
<http://127.0.0.1:18765/arch/20260110120000mp_/http://127.0.0.1:9999/notice.html>; rel="memento"; \
datetime="Sat, 10 Jan 2026 12:00:00 GMT"; collection="arch",
<http://127.0.0.1:18765/arch/20260310120000mp_/http://127.0.0.1:9999/notice.html>; rel="memento"; \
datetime="Tue, 10 Mar 2026 12:00:00 GMT"; collection="arch"
"""

# The Wayback Machine's TimeMap form: first memento marked, a trailing comma, ports in URIs.
WAYBACK_TIMEMAP_BODY = """\
<http://blog.example.com:80/notes/>; rel="original",
<http://web.archive.org/web/timemap/link/http://blog.example.com/notes/>; rel="self"; \
type="application/link-format"; from="Fri, 24 Feb 2012 10:27:47 GMT",
<http://web.archive.org>; rel="timegate",
<http://web.archive.org/web/20120224102747/http://blog.example.com:80/notes/>; rel="first memento"; \
datetime="Fri, 24 Feb 2012 10:27:47 GMT",
<http://web.archive.org/web/20120225014230/http://blog.example.com:80/notes>; rel="memento"; \
datetime="Sat, 25 Feb 2012 01:42:30 GMT",
<http://web.archive.org/web/20120304002750/http://blog.example.com:80/notes>; rel="memento"; \
datetime="Sun, 04 Mar 2012 00:27:50 GMT",
"""

# A Wayback memento's Link header: one memento under several rels (first, memento, last).
WAYBACK_LINK_HEADER = (
    '<https://justpaste.example/u8j7>; rel="original", '
    '<http://web.archive.org/web/timemap/link/https://justpaste.example/u8j7>; rel="timemap"; '
    'type="application/link-format", <http://web.archive.org/web/https://justpaste.example/u8j7>; '
    'rel="timegate", <http://web.archive.org/web/20160513214322/https://justpaste.example/u8j7>; '
    'rel="first memento"; datetime="Fri, 13 May 2016 21:43:22 GMT", '
    '<http://web.archive.org/web/20160513214322/https://justpaste.example/u8j7>; rel="memento"; '
    'datetime="Fri, 13 May 2016 21:43:22 GMT", '
    '<http://web.archive.org/web/20160513214322/https://justpaste.example/u8j7>; rel="last memento"; '
    'datetime="Fri, 13 May 2016 21:43:22 GMT"'
)

# archive.today: a single capture is both first and last.
ARCHIVE_TODAY_BODY = """\
<https://example.com>; rel="original",
<https://archive.is/timemap/https://example.com>; rel="self"; type="application/link-format",
<http://archive.md/20260226181830/https://example.com>; rel="first last memento"; \
datetime="Thu, 26 Feb 2026 18:18:30 GMT"
"""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---- link-format and TimeMaps ------------------------------------------------------------------

def test_pywb_timemap():
    mementos = parse_timemap(PYWB_TIMEMAP)
    assert [m.uri for m in mementos] == [
        "http://127.0.0.1:18765/arch/20260110120000mp_/http://127.0.0.1:9999/notice.html",
        "http://127.0.0.1:18765/arch/20260310120000mp_/http://127.0.0.1:9999/notice.html",
    ]
    assert [m.datetime for m in mementos] == [at("2026-01-10T12:00:00"), at("2026-03-10T12:00:00")]
    assert mementos_of(parse_links(PYWB_TIMEMAP)).original == "http://127.0.0.1:9999/notice.html"


def test_wayback_timemap_with_first_memento_and_trailing_comma():
    mementos = parse_timemap(WAYBACK_TIMEMAP_BODY)
    assert len(mementos) == 3
    assert mementos[0].uri == "http://web.archive.org/web/20120224102747/http://blog.example.com:80/notes/"
    assert mementos[-1].datetime == at("2012-03-04T00:27:50")
    assert mementos_of(parse_links(WAYBACK_TIMEMAP_BODY)).original == "http://blog.example.com:80/notes/"


def test_link_header_counts_one_memento_once():
    timemap = mementos_of(parse_links(WAYBACK_LINK_HEADER))
    assert [m.uri for m in timemap.mementos] == [
        "http://web.archive.org/web/20160513214322/https://justpaste.example/u8j7"]
    rels = {link.uri: link.rels for link in parse_links(WAYBACK_LINK_HEADER)}
    assert rels["http://web.archive.org/web/timemap/link/https://justpaste.example/u8j7"] == ("timemap",)


def test_archive_today_first_last_memento():
    [memento] = parse_timemap(ARCHIVE_TODAY_BODY)
    assert memento.uri == "http://archive.md/20260226181830/https://example.com"
    assert memento.datetime == at("2026-02-26T18:18:30")


def test_commas_and_semicolons_inside_uris_and_quotes():
    text = ('<http://a.example/x?q=1,2;3>; rel="memento"; datetime="Sat, 10 Jan 2026 12:00:00 GMT"; '
            'title="a \\"quoted\\", title", <http://a.example/y>; rel=memento; '
            'datetime="Sun, 11 Jan 2026 12:00:00 GMT"')
    links = parse_links(text)
    assert [link.uri for link in links] == ["http://a.example/x?q=1,2;3", "http://a.example/y"]
    assert links[0].params["title"] == 'a "quoted", title'
    assert [m.uri for m in parse_timemap(text)] == ["http://a.example/x?q=1,2;3", "http://a.example/y"]


def test_mementos_come_out_oldest_first_and_undated_ones_are_skipped():
    text = ('<http://a/2>; rel="memento"; datetime="Tue, 10 Mar 2026 12:00:00 GMT",\n'
            '<http://a/0>; rel="memento",\n'
            '<http://a/bad>; rel="memento"; datetime="yesterday",\n'
            '<http://a/1>; rel="memento"; datetime="Sat, 10 Jan 2026 12:00:00 GMT"')
    assert [m.uri for m in parse_timemap(text)] == ["http://a/1", "http://a/2"]


def test_empty_and_garbage_timemaps():
    assert parse_timemap("") == []
    assert parse_timemap("<html><body>Not Found</body></html>") == []
    assert parse_timemap("<http://a/1; rel=") == []


@given(st.text(max_size=400))
def test_parse_never_raises(text):
    for memento in parse_timemap(text):
        assert memento.datetime.tzinfo is not None


# pywb 2.10 with framed_replay off answers a TimeGate 200 in place (copied from a run).
PYWB_TIMEGATE_HEADERS = {
    "Memento-Datetime": "Sat, 10 Jan 2026 12:00:00 GMT",
    "Link": '<http://127.0.0.1:9999/notice.html>; rel="original", '
            '<http://127.0.0.1:18766/arch/http://127.0.0.1:9999/notice.html>; rel="timegate", '
            '<http://127.0.0.1:18766/arch/timemap/link/http://127.0.0.1:9999/notice.html>; rel="timemap"; '
            'type="application/link-format", '
            '<http://127.0.0.1:18766/arch/20260110120000/http://127.0.0.1:9999/notice.html>; rel="memento"; '
            'datetime="Sat, 10 Jan 2026 12:00:00 GMT"; collection="arch"',
    "Content-Location": "http://127.0.0.1:18766/arch/20260110120000/http://127.0.0.1:9999/notice.html",
    "Vary": "accept-datetime",
}


def test_timegate_answered_in_place():
    asked = "http://127.0.0.1:18766/arch/http://127.0.0.1:9999/notice.html"
    found, timemap = timegate_answer(asked, asked, PYWB_TIMEGATE_HEADERS)
    assert [m.uri for m in found.mementos] == [PYWB_TIMEGATE_HEADERS["Content-Location"]]
    assert found.original == "http://127.0.0.1:9999/notice.html"
    assert timemap == "http://127.0.0.1:18766/arch/timemap/link/http://127.0.0.1:9999/notice.html"


def test_timegate_redirected_to_a_memento():
    """The Wayback Machine's way: 302 to the memento, whose Link names the neighbours and TimeMap."""
    landed = "http://web.archive.org/web/20160513214322/https://justpaste.example/u8j7"
    headers = {"Memento-Datetime": "Fri, 13 May 2016 21:43:22 GMT", "Link": WAYBACK_LINK_HEADER}
    found, timemap = timegate_answer("http://web.archive.org/web/https://justpaste.example/u8j7",
                                     landed, headers)
    assert [m.uri for m in found.mementos] == [landed]
    assert timemap == "http://web.archive.org/web/timemap/link/https://justpaste.example/u8j7"


def test_timegate_memento_at_a_relative_location_and_no_links():
    asked = "http://a.example/tg/http://x.test/"
    found, timemap = timegate_answer(asked, asked, {"Memento-Datetime": "Sat, 10 Jan 2026 12:00:00 GMT",
                                                    "Content-Location": "/m/1"})
    assert [m.uri for m in found.mementos] == ["http://a.example/m/1"] and timemap is None
    assert timegate_answer(asked, asked, {})[0].mementos == ()  # not a memento: nothing invented


def test_http_dates():
    assert parse_http_date("Sat, 10 Jan 2026 12:00:00 GMT") == at("2026-01-10T12:00:00")
    assert parse_http_date("Sat, 10 Jan 2026 13:00:00 +0100") == at("2026-01-10T12:00:00")
    assert parse_http_date("") is None and parse_http_date("soon") is None


# ---- nearest -----------------------------------------------------------------------------------

MEMENTOS = [Memento(f"http://a/{day}", at(f"2026-01-{day:02d}T12:00:00")) for day in (3, 10, 20)]


@pytest.mark.parametrize(("when", "before", "after"), [
    ("2026-01-15T00:00:00", 10, 20),
    ("2026-01-10T12:00:00", 10, 20),  # a memento at that very time counts as before
    ("2026-01-01T00:00:00", None, 3),
    ("2026-02-01T00:00:00", 20, None),
])
def test_nearest(when, before, after):
    got_before, got_after = nearest(MEMENTOS, at(when))
    assert (got_before.uri if got_before else None) == (f"http://a/{before}" if before else None)
    assert (got_after.uri if got_after else None) == (f"http://a/{after}" if after else None)


def test_nearest_unordered_naive_and_empty():
    before, after = nearest(list(reversed(MEMENTOS)), datetime(2026, 1, 15))  # naive: UTC
    assert (before.uri, after.uri) == ("http://a/10", "http://a/20")
    assert nearest([], at("2026-01-15T00:00:00")) == (None, None)


def test_closest_prefers_the_nearer_and_before_on_a_tie():
    before, after = MEMENTOS[0], MEMENTOS[1]  # Jan 3 and Jan 10
    assert closest(before, after, at("2026-01-09T00:00:00")) is after
    assert closest(before, after, at("2026-01-04T00:00:00")) is before
    assert closest(before, after, at("2026-01-06T12:00:00")) is before  # equidistant
    assert closest(None, after, at("2026-01-01T00:00:00")) is after
    assert closest(None, None, at("2026-01-01T00:00:00")) is None


# ---- the archives setting ----------------------------------------------------------------------

def test_default_archives():
    archives = archives_from_setting(None)
    assert archives == [Archive("wayback", WAYBACK_TIMEMAP, "timemap"),
                        Archive("archive.today", ARCHIVE_TODAY_TIMEMAP, "timemap")]
    assert archives[0].to_json() == {"name": "wayback", "endpoint": WAYBACK_TIMEMAP}


def test_configured_archives_named_by_host_and_kind_by_shape():
    archives = archives_from_setting(
        " https://archive.today/timegate/ , http://127.0.0.1:8080/past/timemap/link/,,"
        "https://arquivo.pt/wayback/, https://web.archive.org/web/timemap/link/")
    assert [(a.name, a.kind) for a in archives] == [
        ("archive.today", "timegate"), ("127.0.0.1:8080", "timemap"), ("arquivo.pt", "timegate"),
        ("wayback", "timemap")]
    assert archives[1].query_url("http://x.test/a?b=1#frag") == \
        "http://127.0.0.1:8080/past/timemap/link/http://x.test/a?b=1"


def test_archives_names_stay_unique_and_duplicates_go():
    archives = archives_from_setting(["http://h:1/a/timemap/link/", "http://h:1/b/timemap/link/",
                                      "http://h:1/a/timemap/link/"])
    assert [a.name for a in archives] == ["h:1", "h:1-2"]


def test_no_archives():
    assert archives_from_setting("") == [] and archives_from_setting(" , ") == []


# ---- raw mementos, text comparison -------------------------------------------------------------

@pytest.mark.parametrize(("uri", "raw"), [
    ("http://web.archive.org/web/20120224102747/http://blog.example.com:80/notes/",
     "http://web.archive.org/web/20120224102747id_/http://blog.example.com:80/notes/"),
    ("http://127.0.0.1:8080/past/20260110120000mp_/http://127.0.0.1:9/n.html?a=1",
     "http://127.0.0.1:8080/past/20260110120000id_/http://127.0.0.1:9/n.html?a=1"),
    ("http://localhost:8080/20260110120000/http://x.test/",  # pywb with no collection path
     "http://localhost:8080/20260110120000id_/http://x.test/"),
    ("http://archive.md/20260226181830/https://example.com",  # archive.today has no raw form
     "http://archive.md/20260226181830/https://example.com"),
    ("https://perma.example/ABCD-1234", "https://perma.example/ABCD-1234"),
    ("https://files.example/scans/20260110120000/page-2.html",  # a timestamp, but no URL after it
     "https://files.example/scans/20260110120000/page-2.html"),
])
def test_raw_memento_uri(uri, raw):
    assert raw_memento_uri(uri) == raw


def test_compare_texts():
    memento = Memento("http://a/1", at("2026-01-10T12:00:00"))
    assert compare_texts("The  barrier\nwill open.", "The barrier will open. ", memento, "before") == (
        "same", "main text identical to the memento of 2026-01-10T12:00:00Z (before)")
    match, note = compare_texts("The barrier will open this year.", "The barrier will not open.",
                                memento, "after")
    assert match == "differs" and note.startswith("main text differs from the memento of "
                                                  "2026-01-10T12:00:00Z (after): word similarity 0.")
    assert compare_texts(None, "x", memento, "before")[0] == "unknown"
    match, note = compare_texts("x", None, memento, "before", "could not fetch it: connection refused")
    assert match == "unknown" and note.endswith("could not fetch it: connection refused")


def test_main_text_digest_ignores_layout_only():
    assert main_text_digest("  a\n\n b\tc ") == hashlib.sha256(b"a b c").hexdigest()
    assert main_text_digest("a b c") != main_text_digest("a b  d")
    assert main_text_digest("café") == hashlib.sha256("café".encode()).hexdigest()
    assert main_text_digest(" \n ") is None  # two empty extractions are not "the same text"


# ---- the answer record, the budget -------------------------------------------------------------

def test_answer_json_has_the_ledger_fields():
    answer = ArchiveAnswer("wayback", WAYBACK_TIMEMAP, "2026-11-30T10:00:00Z", ok=True, mementos=2,
                           before=MEMENTOS[0], after=None, text_match="same", text_match_note="n")
    assert answer.to_json() == {
        "archive": "wayback", "endpoint": WAYBACK_TIMEMAP, "queried_at": "2026-11-30T10:00:00Z",
        "ok": True, "error": None, "mementos": 2,
        "before": {"uri": "http://a/3", "datetime": "2026-01-03T12:00:00Z"}, "after": None,
        "text_match": "same", "text_match_note": "n"}


def test_deadline():
    now = [100.0]
    deadline = Deadline(5, clock=lambda: now[0])
    now[0] += 30  # built at the crawl's start, first asked at its end: the clock starts then
    assert deadline.remaining() == 5 and not deadline.expired
    now[0] += 4.5
    assert deadline.remaining() == pytest.approx(0.5)
    now[0] += 1.0
    assert deadline.remaining() == 0 and deadline.expired


def test_published_dates():
    assert parse_published("2026-02-01") == at("2026-02-01T00:00:00")
    assert parse_published("2026-02-01T10:30:00+02:00") == at("2026-02-01T08:30:00")
    assert parse_published("2026-02-01T08:30:00Z") == at("2026-02-01T08:30:00")
    assert parse_published(None) is None and parse_published("") is None
    assert parse_published("last Tuesday") is None
