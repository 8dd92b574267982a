"""pipelines.manifest: entries per fetch, cited_by, the manifest document, which seeds made it."""

from datetime import UTC, datetime

import pytest

from pipelines.manifest import build_manifest, page_records, resolve_cited_by, seeds_archived
from pipelines.page import Capture, PageItem, PageRecord

STORY = "https://news.test/2026/story"
OLD = "http://news.test/old-story"
REPORT = "http://gov.test/r"
REPORT_FINAL = "https://gov.test/r/final"
CSS = "https://news.test/site.css"
T0 = "2026-03-01T12:00:00.000001Z"


def warc_key(name: str) -> str:
    return f"20260301T120000Z-news-test/warc/{name}"


def seed_item() -> PageItem:
    return PageItem(
        url=OLD,
        role="seed",
        depth=0,
        captures=[
            Capture(url=OLD, fetched_at=T0, status=301, location=STORY, warc_file="w-0.warc.gz",
                    record_id="<urn:uuid:r1>", bytes=120),
            Capture(url=STORY, fetched_at="2026-03-01T12:00:00.500000Z", status=200, content_type="text/html",
                    warc_file="w-0.warc.gz", record_id="<urn:uuid:r2>", bytes=5000),
        ],
        final_url=STORY,
        status=200,
        content_type="text/html",
        is_html=True,
        title="Floods hit the valley",
        citations=[{"url": REPORT, "anchor": "report"}],
        requisites=[CSS],
        text_key="20260301T120000Z-news-test/text/abc.json",
    )


def citation_item() -> PageItem:
    return PageItem(
        url=REPORT,
        role="citation",
        depth=1,
        via=STORY,
        captures=[
            Capture(url=REPORT, fetched_at=T0, status=302, location=REPORT_FINAL),
            Capture(url=REPORT_FINAL, fetched_at=T0, status=200, content_type="application/pdf", bytes=900),
        ],
        final_url=REPORT_FINAL,
        status=200,
        content_type="application/pdf",
    )


def css_item() -> PageItem:
    return PageItem(url=CSS, role="requisite", depth=1, via=STORY,
                    captures=[Capture(url=CSS, fetched_at=T0, status=200, content_type="text/css", bytes=30)],
                    status=200, content_type="text/css")


def dead_item() -> PageItem:
    return PageItem(url="http://dead.test/", role="citation", depth=1, via=STORY,
                    error="DNS lookup failed")


def all_entries() -> list[PageRecord]:
    return [e for item in (seed_item(), citation_item(), css_item(), dead_item())
            for e in page_records(item, warc_key)]


# --- page_records ---------------------------------------------------------------------------------


def test_page_records_for_a_redirect_chain() -> None:
    hop, final = page_records(seed_item(), warc_key)
    assert hop.manifest_row() == {
        "url": OLD, "role": "seed", "depth": 0, "status": 301, "error": None, "tls_note": None,
        "truncated": None,
        "redirect_to": STORY, "content_type": None, "warc": warc_key("w-0.warc.gz"),
        "warc_record_id": "<urn:uuid:r1>", "fetched_at": T0, "text": None, "title": None, "bytes": 120,
        "change": None, "revisit_of": None, "diff": None, "edited_fields": None,
        "browser": None, "screenshot": None, "access": None, "access_reason": None, "text_sha256": None,
    }
    assert final.url == STORY
    assert final.status == 200 and final.error is None and final.redirect_to is None
    assert final.warc == warc_key("w-0.warc.gz")
    assert final.warc_record_id == "<urn:uuid:r2>"
    assert final.text == "20260301T120000Z-news-test/text/abc.json"
    assert final.title == "Floods hit the valley"
    assert final.content_type == "text/html"
    assert final.links == [REPORT, CSS]


def test_page_records_for_a_fetch_that_never_answered() -> None:
    (entry,) = page_records(dead_item(), warc_key)
    assert entry.url == "http://dead.test/"
    assert entry.status is None
    assert entry.error == "DNS lookup failed"
    assert entry.warc is None and entry.redirect_to is None and entry.bytes == 0


def test_page_records_redirect_without_location_is_not_a_hop() -> None:
    item = PageItem(url=OLD, role="seed", depth=0, status=301,
                    captures=[Capture(url=OLD, fetched_at=T0, status=301)])
    (entry,) = page_records(item, warc_key)
    assert entry.status == 301 and entry.redirect_to is None


def test_page_records_truncated_final_capture() -> None:
    item = css_item()
    item.captures[-1].truncated = "length"
    assert page_records(item, warc_key)[-1].truncated == "length"


# --- resolve_cited_by -----------------------------------------------------------------------------


def test_resolve_cited_by_inverts_links_and_follows_chains() -> None:
    pages = {p["url"]: p for p in resolve_cited_by(all_entries())}
    assert pages[OLD]["cited_by"] == []
    assert pages[STORY]["cited_by"] == []
    assert pages[REPORT]["cited_by"] == [STORY]
    assert pages[REPORT_FINAL]["cited_by"] == [STORY]  # inherited from the chain's first URL
    assert pages[CSS]["cited_by"] == [STORY]
    assert pages["http://dead.test/"]["cited_by"] == [STORY]  # from via
    assert all(not k.startswith("_") for p in pages.values() for k in p)


def test_resolve_cited_by_collects_every_citer_once() -> None:
    a = PageItem(url="https://a.test/", role="seed", depth=0, status=200,
                 captures=[Capture(url="https://a.test/", fetched_at=T0, status=200)],
                 citations=[{"url": "https://x.test/doc?b=2&a=1", "anchor": ""}])
    b = PageItem(url="https://b.test/", role="seed", depth=0, status=200,
                 captures=[Capture(url="https://b.test/", fetched_at=T0, status=200)],
                 citations=[{"url": "https://x.test/doc?a=1&b=2#p", "anchor": ""}])
    x = PageItem(url="https://x.test/doc?a=1&b=2", role="citation", depth=1, via="https://a.test/",
                 status=200,
                 captures=[Capture(url="https://x.test/doc?a=1&b=2", fetched_at=T0, status=200)])
    entries = [e for item in (a, b, x) for e in page_records(item, warc_key)]
    doc = next(p for p in resolve_cited_by(entries) if p["url"].startswith("https://x.test"))
    assert doc["cited_by"] == ["https://a.test/", "https://b.test/"]


def test_resolve_cited_by_multi_hop_chain() -> None:
    item = PageItem(
        url="http://c.test/1", role="citation", depth=1, status=200, final_url="https://c.test/3",
        captures=[
            Capture(url="http://c.test/1", fetched_at=T0, status=301, location="https://c.test/1"),
            Capture(url="https://c.test/1", fetched_at=T0, status=302, location="https://c.test/3"),
            Capture(url="https://c.test/3", fetched_at=T0, status=200),
        ],
    )
    citer = PageItem(url=STORY, role="seed", depth=0, status=200,
                     captures=[Capture(url=STORY, fetched_at=T0, status=200)],
                     citations=[{"url": "http://c.test/1", "anchor": ""}])
    entries = page_records(citer, warc_key) + page_records(item, warc_key)
    by_url = {p["url"]: p["cited_by"] for p in resolve_cited_by(entries)}
    assert by_url == {STORY: [], "http://c.test/1": [STORY], "https://c.test/1": [STORY],
                      "https://c.test/3": [STORY]}


# --- build_manifest -------------------------------------------------------------------------------

PAGE_FIELDS = {"url", "role", "depth", "status", "error", "truncated", "redirect_to", "cited_by",
               "content_type", "warc", "text"}


def manifest() -> dict:
    return build_manifest(
        crawl_id="20260301T120000Z-news-test",
        tool="citewarc 0.1.0",
        seeds=[OLD],
        started=datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC),
        finished=datetime(2026, 3, 1, 12, 5, 30, tzinfo=UTC),
        pages=all_entries(),
        files=[
            {"key": "20260301T120000Z-news-test/warc/w-1.warc.gz", "sha256": "b" * 64, "bytes": 20},
            {"key": "20260301T120000Z-news-test/warc/w-0.warc.gz", "sha256": "a" * 64, "bytes": 10},
        ],
        store="./archive",
    )


def test_build_manifest_has_the_design_fields() -> None:
    m = manifest()
    assert {"crawl_id", "tool", "seeds", "started", "finished", "pages", "files"} <= set(m)
    assert m["crawl_id"] == "20260301T120000Z-news-test"
    assert m["tool"] == "citewarc 0.1.0"
    assert m["seeds"] == [OLD]
    assert m["started"] == "2026-03-01T12:00:00Z"
    assert m["finished"] == "2026-03-01T12:05:30Z"
    for page in m["pages"]:
        assert PAGE_FIELDS <= set(page), PAGE_FIELDS - set(page)
        assert page["role"] in {"seed", "citation", "requisite", "feed"}
        assert page["status"] is None or isinstance(page["status"], int)
        assert page["truncated"] in {None, "length", "time", "disconnect"}
        assert isinstance(page["cited_by"], list)
    assert [f["key"] for f in m["files"]] == sorted(f["key"] for f in m["files"])
    assert all(set(f) == {"key", "sha256", "bytes"} for f in m["files"])


def test_build_manifest_orders_pages_and_summarises() -> None:
    m = manifest()
    assert [(p["role"], p["url"]) for p in m["pages"]] == [
        ("seed", OLD),
        ("seed", STORY),
        ("citation", "http://dead.test/"),
        ("citation", REPORT),
        ("citation", REPORT_FINAL),
        ("requisite", CSS),
    ]
    assert m["summary"] == {"pages": 6, "ok": 5, "failed": 1, "citations": 3, "requisites": 1,
                            "bytes": 120 + 5000 + 0 + 900 + 30 + 0}


def test_manifest_is_json_serialisable() -> None:
    import json

    assert json.loads(json.dumps(manifest()))["crawl_id"] == "20260301T120000Z-news-test"


# --- seeds_archived -------------------------------------------------------------------------------


def _manifest_for(*items: PageItem, seeds: list[str]) -> dict:
    entries = [e for item in items for e in page_records(item, warc_key)]
    when = datetime(2026, 3, 1, tzinfo=UTC)
    return build_manifest("20260301T000000Z-x", "citewarc 0.1.0", seeds, when, when, entries, [], "./archive")


def test_seeds_archived_follows_redirects() -> None:
    assert seeds_archived(manifest()) == [OLD]


def test_seeds_archived_matches_spelling_variants() -> None:
    m = manifest()
    m["seeds"] = [OLD + "#top"]  # seeds are clean URLs; canonicalisation absorbs the rest
    assert seeds_archived(m) == [OLD + "#top"]


@pytest.mark.parametrize(
    "item",
    [
        PageItem(url="https://a.test/", role="seed", depth=0, status=404,
                 captures=[Capture(url="https://a.test/", fetched_at=T0, status=404)]),
        PageItem(url="https://a.test/", role="seed", depth=0, status=503,
                 captures=[Capture(url="https://a.test/", fetched_at=T0, status=503)]),
        PageItem(url="https://a.test/", role="seed", depth=0, error="Connection refused"),
        PageItem(url="https://a.test/", role="seed", depth=0, error="robots.txt forbids it"),
        PageItem(url="https://a.test/", role="seed", depth=0, status=200, error="timeout after 180 s",
                 captures=[Capture(url="https://a.test/", fetched_at=T0, status=200, truncated="time")]),
        PageItem(url="https://a.test/", role="seed", depth=0, status=404, final_url="https://a.test/gone",
                 captures=[Capture(url="https://a.test/", fetched_at=T0, status=301, location="https://a.test/gone"),
                           Capture(url="https://a.test/gone", fetched_at=T0, status=404)]),
    ],
    ids=["404", "503", "refused", "robots", "error-after-200", "redirect-to-404"],
)
def test_seeds_archived_rejects_failures(item: PageItem) -> None:
    assert seeds_archived(_manifest_for(item, seeds=["https://a.test/"])) == []


def test_seeds_archived_redirect_to_unfetched_target() -> None:
    m = _manifest_for(seed_item(), seeds=[OLD])
    m["pages"] = [p for p in m["pages"] if p["url"] != STORY]
    assert seeds_archived(m) == []


def test_seeds_archived_keeps_seed_order_and_skips_failed_ones() -> None:
    dead = PageItem(url="https://dead.test/", role="seed", depth=0, error="DNS lookup failed")
    m = _manifest_for(seed_item(), dead, seeds=["https://dead.test/", OLD])
    assert seeds_archived(m) == [OLD]


def test_seeds_archived_rejects_a_redirect_loop() -> None:
    a, b = "https://loop.test/a", "https://loop.test/b"
    hops = [Capture(url=a if i % 2 == 0 else b, fetched_at=T0, status=301, location=b if i % 2 == 0 else a)
            for i in range(21)]
    item = PageItem(url=a, role="seed", depth=0, captures=hops, final_url=b, status=301,
                    error="maximum redirections reached")
    assert seeds_archived(_manifest_for(item, seeds=[a])) == []


# --- one seed-through-redirects walk for every caller ------------------------------------------------
# A seed is kept as typed; Scrapy fetches and records it percent-encoded. Exit code (seeds_archived),
# failure line (seed_failure_line) and replay's seed list (_seed_urls) must all find its chain.

SEED_SPELLINGS = [
    ("https://a.test/old page", "https://a.test/old%20page"),
    ("https://a.test/café", "https://a.test/caf%C3%A9"),
]


def _typed_seed_manifest(recorded: str, typed: str, *, reached: bool) -> dict:
    new = "https://a.test/new"
    captures = [Capture(url=recorded, fetched_at=T0, status=301, location=new)]
    if reached:
        captures.append(Capture(url=new, fetched_at="2026-03-01T12:00:05.000000Z", status=200))
    item = PageItem(url=recorded, role="seed", depth=0, captures=captures, final_url=new,
                    status=200 if reached else None, error=None if reached else "Connection refused")
    return _manifest_for(item, seeds=[typed])


@pytest.mark.parametrize(("typed", "recorded"), SEED_SPELLINGS, ids=["space", "non-ascii"])
def test_a_typed_seed_resolves_through_its_redirects_in_every_caller(typed: str, recorded: str) -> None:
    from crawler.replay import _seed_urls
    from crawler.report import seed_failure_line

    archived = _typed_seed_manifest(recorded, typed, reached=True)
    assert seeds_archived(archived) == [typed]
    assert _seed_urls(archived) == [("20260301120005", typed)]  # the final capture's time

    failed = _typed_seed_manifest(recorded, typed, reached=False)
    assert seeds_archived(failed) == []
    assert seed_failure_line(failed) == f"could not archive {typed}: Connection refused"
    assert _seed_urls(failed) == [("", typed)]
