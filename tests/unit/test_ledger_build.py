"""The citation ledger built from hand-made manifest rows and text JSONs: every fate and its
reason, the chain of hops, probes, captures and archive answers in the schema of SPEC15."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.ledger.build import FATES, FORMAT, build_ledger, fate, fate_counts
from pipelines.ledger.domains import registrable_domain, same_site
from pipelines.ledger.text_digest import main_text_digest

CRAWL = "20260301T120000Z-story"
STORY = "http://news.test/story"
PROBE_NEWS = "http://news.test/citewarc-probe-0123456789abcdef"
PROBE_RECORDS = "http://records.test/citewarc-probe-fedcba9876543210"
NOT_FOUND_TEXT = "Page not found. Sorry, we could not find that page."


def row(url: str, status: int | None = 200, role: str = "citation", **extra: Any) -> dict[str, Any]:
    base = {"url": url, "role": role, "depth": 1, "status": status, "error": None, "truncated": None,
            "redirect_to": None, "warc": f"{CRAWL}/warc/a.warc.gz", "warc_record_id": f"<urn:uuid:{url}>",
            "fetched_at": "2026-03-01T12:00:01.000000Z", "text": None, "title": None,
            "cited_by": [STORY]}
    base.update(extra)
    return base


def hop(url: str, to: str, status: int = 301, **extra: Any) -> dict[str, Any]:
    return row(url, status, redirect_to=to, **extra)


# ---- fate ---------------------------------------------------------------------------------------

def test_live():
    assert fate([row("http://a.test/x")]) == ("live", "HTTP 200")


def test_live_with_a_cut_copy():
    chain = [row("http://a.test/x", truncated="disconnect")]
    assert fate(chain) == ("live", "HTTP 200; the copy is cut: the connection broke mid-body")


def test_redirected_on_the_same_site():
    chain = [hop("http://example.org/old", "https://www.example.org/new"), row("https://www.example.org/new")]
    which, why = fate(chain)
    assert which == "redirected" and "same site" in why and "1 hop" in why


def test_moved_to_another_site():
    chain = [hop("http://a.test/old", "http://b.test/new", 308), row("http://b.test/new")]
    which, why = fate(chain)
    assert which == "moved" and "b.test" in why


def test_moved_between_ip_hosts():
    chain = [hop("http://127.0.0.1:8000/x", "http://127.0.0.3:8000/x"), row("http://127.0.0.3:8000/x")]
    assert fate(chain)[0] == "moved"


@pytest.mark.parametrize(("status", "error", "reason"), [
    (404, "HTTP 404", "HTTP 404"),
    (410, None, "HTTP 410"),
    (500, "HTTP 500", "HTTP 500"),
    (403, "HTTP 403", "HTTP 403"),  # a plain 403 with no wall: the page is refused to everyone
    (None, "DNS lookup failed: host not found", "DNS lookup failed: host not found"),
    (None, "connection refused", "connection refused"),
    (None, "TLS handshake failed: bad certificate", "TLS handshake failed: bad certificate"),
    (None, "connection lost before the response was complete",
     "connection lost before the response was complete"),
    (None, None, "no answer recorded"),
])
def test_dead(status, error, reason):
    assert fate([row("http://a.test/x", status, error=error)]) == ("dead", reason)


@pytest.mark.parametrize(("error", "truncated"), [
    ("timed out after 5 s", None), ("timed out", None), (None, "time"),
])
def test_timeout(error, truncated):
    which, why = fate([row("http://a.test/x", None if error else 200, error=error, truncated=truncated)])
    assert which == "timeout"
    assert why == (error or "the answer was still arriving when the download timeout cut it")


@pytest.mark.parametrize(("fields", "reason"), [
    ({"status": None, "error": "forbidden by robots.txt"}, "forbidden by robots.txt"),
    ({"status": None, "error": "refused: 10.0.0.1 is a private or reserved address"},
     "refused: 10.0.0.1 is a private or reserved address"),
    ({"status": 403, "error": "HTTP 403", "access": "bot-wall", "access_reason": "Cloudflare challenge"},
     "a bot wall: Cloudflare challenge (HTTP 403)"),
    ({"status": 200, "access": "login", "access_reason": "a password form"},
     "a login wall: a password form (HTTP 200)"),
    ({"status": 401, "error": "HTTP 401"}, "HTTP 401: the site asks for a login"),
    ({"status": 429, "error": "HTTP 429"}, "HTTP 429: the site refused the crawler (too many requests)"),
])
def test_blocked(fields, reason):
    assert fate([row("http://a.test/x", **fields)]) == ("blocked", reason)


def test_paywalled():
    chain = [row("http://a.test/x", access="paywalled", access_reason="isAccessibleForFree false")]
    assert fate(chain) == ("paywalled", "paywall: isAccessibleForFree false (HTTP 200)")


def test_soft_404_by_the_probes_text():
    digest = main_text_digest(NOT_FOUND_TEXT)
    probe = {"url": PROBE_RECORDS, "status": 200, "final_url": PROBE_RECORDS, "text_sha256": digest,
             "title": "Records"}
    which, why = fate([row("http://records.test/gone", text_sha256=digest, title="Records")], probe)
    assert which == "soft-404" and "soft-404 probe" in why
    # the digest may come from the text JSON when the row has none
    assert fate([row("http://records.test/gone")], probe, text_sha256=digest)[0] == "soft-404"


def test_soft_404_by_the_probes_title_when_a_text_is_missing():
    probe = {"url": PROBE_RECORDS, "status": 200, "final_url": PROBE_RECORDS, "text_sha256": None,
             "title": "Page not found"}
    which, why = fate([row("http://records.test/gone", title="Page not found", text_sha256="2" * 64)], probe)
    assert which == "soft-404" and "'Page not found'" in why
    # two different main texts under the site's one title: a real page
    probe["text_sha256"] = "1" * 64
    page = row("http://records.test/a", title="Page not found", text_sha256="2" * 64)
    assert fate([page], probe)[0] == "live"


def test_soft_404_by_redirect_to_the_home_page():
    chain = [hop("http://a.test/deep/path", "http://a.test/", 302), row("http://a.test/")]
    assert fate(chain) == ("soft-404", "redirected from /deep/path to the site's home page")
    # ... even to another site's home page: the page is gone, not moved
    chain = [hop("http://a.test/deep", "http://b.test/"), row("http://b.test/")]
    assert fate(chain)[0] == "soft-404"


def test_soft_404_where_the_probe_was_sent():
    probe = {"url": PROBE_RECORDS, "status": 200, "final_url": "http://records.test/404.html"}
    chain = [hop("http://records.test/gone", "http://records.test/404.html"),
             row("http://records.test/404.html")]
    assert fate(chain, probe)[0] == "soft-404"


def test_a_probe_that_got_a_404_proves_nothing():
    digest = main_text_digest(NOT_FOUND_TEXT)
    probe = {"url": PROBE_NEWS, "status": 404, "final_url": PROBE_NEWS, "text_sha256": digest,
             "title": "News"}
    assert fate([row("http://news.test/a", text_sha256=digest, title="News")], probe)[0] == "live"


def test_a_different_text_is_live():
    probe = {"url": PROBE_NEWS, "status": 200, "final_url": PROBE_NEWS, "text_sha256": "1" * 64,
             "title": "Not found"}
    assert fate([row("http://news.test/a", text_sha256="2" * 64, title="An article")], probe)[0] == "live"


def test_the_home_page_cited_is_live():
    assert fate([row("http://a.test/")])[0] == "live"


def test_not_fetched():
    assert fate([]) == ("not-fetched", "not fetched in this crawl")
    assert fate([], skipped="max_pages (500) reached") == (
        "not-fetched", "not fetched: max_pages (500) reached")
    which, why = fate([hop("http://a.test/x", "http://a.test/y")], skipped="time limit")
    assert which == "not-fetched"
    assert why == "redirected to http://a.test/y, which was not fetched: time limit"


def test_every_fate_is_reachable_here():
    """Guard: a fate added to FATES needs its test above."""
    assert set(FATES) == {"live", "redirected", "moved", "dead", "soft-404", "blocked", "paywalled",
                          "timeout", "not-fetched"}


# ---- registrable domains ------------------------------------------------------------------------

def test_registrable_domain():
    assert registrable_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert registrable_domain("http://www.Example.org./") == "example.org"
    assert registrable_domain("http://127.0.0.2:8000/x") == "127.0.0.2"
    assert registrable_domain("http://[::1]:8000/x") == "::1"
    assert registrable_domain("http://user.github.io/") == "user.github.io"  # a private suffix
    assert registrable_domain("mailto:x@y") == ""
    assert same_site("http://a.example.org/", "https://b.example.org:8443/")
    assert not same_site("http://example.org/", "http://example.com/")


# ---- build_ledger -------------------------------------------------------------------------------

STORY_TEXT = {
    "url": STORY, "final_url": STORY, "title": "The <b>story</b>", "date": "2026-02-01",
    "text": "The story.", "citations": [
        {"url": "http://news.test/live", "anchor": "a report", "kind": "link", "found": "href",
         "context": "It cited a report last week."},
        {"url": "http://news.test/old", "anchor": "moved", "kind": "link", "found": "href"},
        {"url": "http://records.test/gone", "anchor": "", "kind": "text", "found": "text",
         "context": "Source: http://records.test/gone"},
        {"url": "http://news.test/skipped", "anchor": "later", "kind": "link"},
        {"url": "https://web.archive.org/web/2020/http://x.test/", "anchor": "archived", "kind": "archive",
         "original": "http://x.test/"},
    ],
}


def manifest_rows() -> list[dict[str, Any]]:
    digest = main_text_digest(NOT_FOUND_TEXT)
    return [
        row(STORY, role="seed", depth=0, text=f"{CRAWL}/text/story.json", title="The story",
            screenshot=f"{CRAWL}/screenshots/story.png", change="changed", diff=f"{CRAWL}/diffs/story.json"),
        row("http://news.test/live", text=f"{CRAWL}/text/live.json", title="A report"),
        hop("http://news.test/old", "http://elsewhere.test/new"),
        row("http://elsewhere.test/new"),
        row("http://records.test/gone", text=f"{CRAWL}/text/gone.json", title="Records"),
        row("https://web.archive.org/web/2020/http://x.test/", None, error="timed out after 5 s",
            warc=None, warc_record_id=None),
        row(PROBE_NEWS, 404, role="probe", error=None, cited_by=[], text_sha256=None),
        row(PROBE_RECORDS, 200, role="probe", cited_by=[], text_sha256=digest, title="Records"),
        row("http://news.test/style.css", role="requisite"),
    ]


TEXTS = {
    f"{CRAWL}/text/story.json": STORY_TEXT,
    f"{CRAWL}/text/live.json": {"title": "A report", "text": "The report says so."},
    f"{CRAWL}/text/gone.json": {"title": "Records", "text": NOT_FOUND_TEXT},
}
LOOKUPS = {
    "http://news.test/live": [{
        "archive": "local", "endpoint": "http://127.0.0.1:9/timemap/", "queried_at": "2026-03-01T12:01:00Z",
        "ok": True, "error": None, "mementos": 2,
        "before": {"uri": "http://127.0.0.1:9/x/20260101000000/http://news.test/live",
                   "datetime": "2026-01-01T00:00:00Z"},
        "after": None, "text_match": "differs", "text_match_note": "changed"}],
}


def ledger() -> dict[str, Any]:
    return build_ledger(CRAWL, "citewarc 1.0", manifest_rows(), TEXTS, LOOKUPS, None, "2026-03-01T12:05:00Z",
                        seeds=[STORY], skipped=[{"url": "http://news.test/skipped", "reason": "max_pages"}],
                        payload_digests={"<urn:uuid:http://news.test/live>": "sha1:ABC"})


def test_ledger_top_level():
    out = ledger()
    assert out["format"] == FORMAT and out["crawl_id"] == CRAWL and out["tool"] == "citewarc 1.0"
    assert out["generated"] == "2026-03-01T12:05:00Z"
    assert out["archive_lookups"] == {"enabled": True, "note": None, "archives": [
        {"name": "local", "endpoint": "http://127.0.0.1:9/timemap/"}]}
    assert [p["url"] for p in out["probes"]] == [PROBE_NEWS, PROBE_RECORDS]
    assert out["probes"][1] == {"host": "records.test", "url": PROBE_RECORDS, "status": 200,
                                "final_url": PROBE_RECORDS, "title": "Records",
                                "text_sha256": main_text_digest(NOT_FOUND_TEXT),
                                "fetched_at": "2026-03-01T12:00:01.000000Z", "error": None}


def test_ledger_story():
    (story,) = ledger()["stories"]
    assert story["url"] == STORY and story["final_url"] == STORY
    assert story["title"] == "The <b>story</b>" and story["published"] == "2026-02-01"
    assert story["captured_at"] == "2026-03-01T12:00:01.000000Z"
    assert story["warc_record_id"] == f"<urn:uuid:{STORY}>"
    assert story["screenshot"].endswith("story.png") and story["diff"].endswith("story.json")
    assert story["change"] == "changed" and story["text"].endswith("story.json")


def test_ledger_citations_in_order_with_their_fates():
    (story,) = ledger()["stories"]
    cites = story["citations"]
    assert [c["n"] for c in cites] == [1, 2, 3, 4, 5]
    assert [c["url"] for c in cites] == [c["url"] for c in STORY_TEXT["citations"]]
    assert [c["fate"] for c in cites] == ["live", "moved", "soft-404", "not-fetched", "timeout"]
    live, moved, gone, skipped, archived = cites
    assert live["anchor"] == "a report" and live["context"] == "It cited a report last week."
    assert live["kind"] == "link" and live["hops"] == [] and live["final_url"] == "http://news.test/live"
    assert live["capture"] == {
        "warc": f"{CRAWL}/warc/a.warc.gz", "warc_record_id": "<urn:uuid:http://news.test/live>",
        "time": "2026-03-01T12:00:01.000000Z", "payload_digest": "sha1:ABC", "title": "A report",
        "text_sha256": main_text_digest("The report says so."), "text": f"{CRAWL}/text/live.json"}
    assert live["archives"] == LOOKUPS["http://news.test/live"]
    assert moved["hops"] == [{"url": "http://news.test/old", "status": 301}]
    assert moved["final_url"] == "http://elsewhere.test/new" and moved["status"] == 200
    assert moved["context"] == "" and moved["archives"] == []
    assert gone["kind"] == "text" and gone["anchor"] == ""
    assert skipped["fate_reason"] == "not fetched: max_pages" and skipped["capture"] is None
    assert skipped["final_url"] is None and skipped["status"] is None
    assert archived["kind"] == "archive" and archived["original"] == "http://x.test/"
    assert archived["error"] == "timed out after 5 s" and archived["capture"] is None
    assert fate_counts(ledger())["live"] == 1 and sum(fate_counts(ledger()).values()) == 5


def test_ledger_without_lookups():
    out = build_ledger(CRAWL, "t", manifest_rows(), TEXTS, None, "turned off (--no-archive-lookups)",
                       "2026-03-01T12:05:00Z", seeds=[STORY])
    assert out["archive_lookups"] == {"enabled": False, "archives": [],
                                      "note": "turned off (--no-archive-lookups)"}
    assert all(c["archives"] == [] for c in out["stories"][0]["citations"])


def test_ledger_of_a_crawl_without_the_new_signals():
    """An older crawl: no probes, no access, no context, no text_sha256: fates from status alone."""
    rows = [{k: v for k, v in r.items() if k not in ("access", "text_sha256")}
            for r in manifest_rows() if r["role"] != "probe"]
    texts = {k: {**v, "citations": [{kk: vv for kk, vv in c.items() if kk != "context"}
                                    for c in v.get("citations", [])]} for k, v in TEXTS.items()}
    out = build_ledger(CRAWL, "t", rows, texts, None, None, "2026-03-01T12:05:00Z", seeds=[STORY])
    assert out["probes"] == []
    assert [c["fate"] for c in out["stories"][0]["citations"]] == [
        "live", "moved", "live", "not-fetched", "timeout"]
    assert out["stories"][0]["citations"][0]["context"] == ""


def test_a_seed_that_redirected_is_one_story_under_its_typed_url():
    rows = [hop("http://news.test/s", STORY, role="seed"), *manifest_rows()]
    out = build_ledger(CRAWL, "t", rows, TEXTS, None, None, "g", seeds=["http://news.test/s"])
    assert [(s["url"], s["final_url"]) for s in out["stories"]] == [("http://news.test/s", STORY)]


def test_no_capture_without_an_answer():
    rows = [row(STORY, role="seed", depth=0, text=f"{CRAWL}/text/story.json"),
            row("http://news.test/live", None, error="connection refused")]
    out = build_ledger(CRAWL, "t", rows, TEXTS, None, None, "g", seeds=[STORY])
    first = out["stories"][0]["citations"][0]
    assert (first["fate"], first["capture"]) == ("dead", None)


def test_archive_lookups_from_settings():
    from pipelines.ledger.crawl_ledger import LOOKUPS_OFF, NO_ARCHIVES, archive_lookups

    assert archive_lookups({"CITEWARC_MEMENTO_ARCHIVES": ""}) == (None, NO_ARCHIVES)
    assert archive_lookups({"CITEWARC_MEMENTO_ARCHIVES": "http://127.0.0.1:9/tm/"}, enabled=False) == (
        None, LOOKUPS_OFF)
    lookups, note = archive_lookups({"CITEWARC_MEMENTO_ARCHIVES": "http://127.0.0.1:9/tm/"})
    assert note is None and [a.endpoint for a in lookups.archives] == ["http://127.0.0.1:9/tm/"]


def test_citations_are_listed_in_reading_order():
    from pipelines.ledger.build import reading_order

    text = ("The board cited the plan (see http://a.example/plan) before the vote. "
            "Critics pointed to the audit and to the minutes.")
    linked = [{"url": "http://a.example/audit", "anchor": "the audit",
               "context": "Critics pointed to the audit and to the minutes."},
              {"url": "http://a.example/minutes", "anchor": "the minutes",
               "context": "Critics pointed to the audit and to the minutes."}]
    written = [{"url": "http://a.example/plan", "anchor": "",
                "context": "The board cited the plan (see http://a.example/plan) before the vote."}]
    ordered = reading_order(linked + written, text)
    assert [c["url"] for c in ordered] == ["http://a.example/plan", "http://a.example/audit",
                                           "http://a.example/minutes"]


def test_reading_order_keeps_the_finders_order_when_a_citation_cannot_be_located():
    from pipelines.ledger.build import reading_order

    citations = [{"url": "http://b.example/2", "anchor": "two", "context": "Not in the text."},
                 {"url": "http://b.example/1", "anchor": "one", "context": "One comes first."}]
    assert reading_order(citations, "One comes first. Then two.") == citations
