"""The browser capture's pure parts (crawler/browser, pipelines): no Chromium, no reactor.

auto's signals are measured here on the fixture web's own pages: the script-built story must be
loaded in the browser, the server-rendered article and every source must not.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.browser.processes import descendants
from crawler.browser.routing import (
    CachedResponse,
    ResponseCache,
    forwarded_headers,
    fulfilment_headers,
    routable,
)
from crawler.browser.signals import MIN_TEXT_CHARS, browser_reason, merge_analyses, text_chars
from crawler.report import browser_line
from crawler.web.analysis import PageAnalysis, analyse_page
from pipelines.extract import ExtractOptions
from pipelines.page import BrowserView, Capture, PageItem
from pipelines.stages import browser_records, metadata_fields, text_record
from pipelines.warc.records import build_resource_record, serialize_record
from tests.servers.script_site import NOSY_PATH, SLOW_STORY_PATH, STORY_PATH
from tests.servers.site import ARTICLE_PATH, build_site

BASE = "http://127.0.0.1:8000"
LONG = "This sentence is part of a long article body that a reader sees without scripts. " * 12

# --- auto's signals --------------------------------------------------------------------------


def test_no_main_text_is_a_reason_when_the_page_has_scripts() -> None:
    skeleton = '<html><body><div class="x"></div><script src="/app.js"></script></body></html>'
    assert "0 characters of main text" in browser_reason(skeleton, 0)
    assert browser_reason("<p>x</p><SCRIPT>go()</SCRIPT>", MIN_TEXT_CHARS - 1) is not None
    assert browser_reason("<p>A stub page, no script.</p>", 22) is None
    assert browser_reason(f"<p>{LONG}</p><script></script>", len(LONG)) is None


@pytest.mark.parametrize("shell", [
    '<div id="root"></div>', "<div id='app'>\n  </div>", '<div id="__next"><!-- ssr off --></div>',
    '<main id=app></main>', "<app-root></app-root>",
])
def test_an_empty_mount_element_is_a_reason_while_the_text_is_short(shell: str) -> None:
    html = f"<html><body><header><p>{LONG}</p></header>{shell}</body></html>"
    assert "empty app shell" in browser_reason(html, len(LONG))
    assert browser_reason(html.replace(LONG, LONG * 2), 2 * len(LONG)) is None  # a complete article


def test_comments_inside_a_mount_do_not_hide_its_content() -> None:
    """Seen on real pages (nuxt): ``<div id="__nuxt"><!----><div id="__layout">...`` is full."""
    html = '<div id="__nuxt"><!----><div id="__layout"><p>text</p><!-- x --></div></div>'
    assert browser_reason(html, 900) is None


def test_a_filled_mount_element_is_not_a_reason() -> None:
    assert browser_reason(f'<div id="root"><article><p>{LONG}</p></article></div>', len(LONG)) is None


def test_noscript_counts_only_when_the_text_is_short() -> None:
    notice = "<noscript>Please enable JavaScript to read this site.</noscript>"
    assert "asks for JavaScript" in browser_reason(notice + "<p>short</p>", 400)
    assert browser_reason(notice + f"<p>{LONG * 2}</p>", 2 * len(LONG)) is None
    assert browser_reason("<noscript><img src=pixel.gif></noscript>", 400) is None


def _fixture_reasons() -> dict[str, str | None]:
    """auto's decision on every HTML page the fixture web serves (the project's own extraction)."""
    reasons = {}
    for path, page in build_site(BASE).items():
        if page.status != 200 or not (page.content_type or "").startswith("text/html"):
            continue
        html = page.body.decode("utf-8", "replace") if page.mode != "gzip" else None
        if html is None or "charset=utf-8" not in page.content_type:
            continue
        analysis = analyse_page(html, BASE + path, None, ExtractOptions(), True, False)
        reasons[path] = browser_reason(html, text_chars(analysis.extraction))
    return reasons


def test_on_the_fixture_web_auto_loads_the_script_built_pages_only() -> None:
    reasons = _fixture_reasons()
    assert reasons[STORY_PATH] and reasons[SLOW_STORY_PATH]
    triggered = {path for path, reason in reasons.items() if reason}
    assert triggered == {STORY_PATH, SLOW_STORY_PATH, NOSY_PATH}, triggered
    # Not the article (its script is a share widget), nor the stub pages without text or scripts.
    assert len(reasons) > 50 and reasons[ARTICLE_PATH] is None


def test_rendered_text_wins_only_when_longer_and_citations_of_both_are_kept() -> None:
    static = PageAnalysis(extraction={"text": "short"}, requisites=["a.css"],
                          citations=[{"url": "https://s/1", "anchor": "one", "kind": "link"}])
    rendered = PageAnalysis(extraction={"text": LONG}, requisites=["a.css", "b.png"],
                            citations=[{"url": "https://s/2", "anchor": "two", "kind": "link"},
                                       {"url": "https://s/1", "anchor": "one", "kind": "link"}])
    merged, source = merge_analyses(static, rendered)
    assert source == "browser" and merged.extraction["text"] == LONG
    assert [c["url"] for c in merged.citations] == ["https://s/2", "https://s/1"]
    assert merged.requisites == ["a.css", "b.png"]
    merged, source = merge_analyses(rendered, static)  # a script that removed text
    assert source == "static" and merged.extraction["text"] == LONG


# --- routing between Chromium and Scrapy -------------------------------------------------------


def test_the_crawler_sends_its_own_user_agent_encodings_and_cookies() -> None:
    sent = forwarded_headers({
        "accept": "application/json", "referer": "http://a/story", "user-agent": "HeadlessChrome",
        "accept-encoding": "zstd", "cookie": "x=1", "sec-ch-ua": '"Chromium"', "x-requested-with": "fetch",
        "content-type": "application/json",
    })
    assert sent == {"accept": "application/json", "referer": "http://a/story",
                    "x-requested-with": "fetch", "content-type": "application/json"}


def test_the_browser_gets_the_decoded_body_without_wire_headers() -> None:
    got = fulfilment_headers([("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                              ("Content-Length", "12"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
                              ("Vary", "Accept"), ("Vary", "Origin")])
    assert got == {"content-type": "application/json", "set-cookie": "a=1\nb=2", "vary": "Accept, Origin"}


def test_only_http_goes_through_scrapy() -> None:
    assert routable("https://a/b") and routable("http://a/b")
    assert not routable("file:///etc/passwd") and not routable("ftp://a/b") and not routable("chrome://gpu")


def test_the_response_cache_is_bounded_and_keeps_only_successes() -> None:
    cache = ResponseCache(max_bytes=10, max_item=6)
    cache.put("a", CachedResponse(200, {}, b"12345"))
    cache.put("b", CachedResponse(200, {}, b"12345"))
    cache.put("big", CachedResponse(200, {}, b"1234567"))
    cache.put("gone", CachedResponse(404, {}, b"x"))
    assert cache.get("big") is None and cache.get("gone") is None
    cache.get("a")  # used: b is now the oldest
    cache.put("c", CachedResponse(200, {}, b"123"))
    assert cache.get("b") is None and cache.get("a") and cache.get("c")


def test_descendants_follow_the_whole_tree() -> None:
    parents = {10: 1, 11: 10, 12: 11, 13: 10, 20: 1, 21: 20}
    assert sorted(descendants(10, parents)) == [11, 12, 13]
    assert descendants(12, parents) == []


# --- records -----------------------------------------------------------------------------------

WHEN = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


def _item(**view) -> PageItem:
    capture = Capture(url=BASE + STORY_PATH, fetched_at="2026-11-30T11:59:59Z", status=200,
                      record_id="<urn:uuid:resp>")
    return PageItem(url=BASE + STORY_PATH, role="seed", captures=[capture], final_url=BASE + STORY_PATH,
                    is_html=True, browser=BrowserView(url=BASE + STORY_PATH, started_at=WHEN, **view))


def test_dom_and_screenshot_are_resource_records_linked_to_the_response() -> None:
    item = _item(captured_at=WHEN, dom="<html><h1>Héadline</h1></html>", screenshot=b"\x89PNG fake",
                 reason="browser mode always")
    parsed = []
    for record in browser_records(item):
        rec = next(iter(ArchiveIterator(io.BytesIO(serialize_record(record)))))
        parsed.append((rec.rec_type, rec.rec_headers.get_header("WARC-Target-URI"),
                       rec.rec_headers.get_header("Content-Type"),
                       rec.rec_headers.get_header("WARC-Concurrent-To"),
                       rec.rec_headers.get_header("WARC-Date"), rec.content_stream().read()))
    assert parsed == [
        ("resource", f"urn:dom:{BASE}{STORY_PATH}", "text/html; charset=utf-8", "<urn:uuid:resp>",
         "2026-11-30T12:00:00.123456Z", "<html><h1>Héadline</h1></html>".encode()),
        ("resource", f"urn:screenshot:{BASE}{STORY_PATH}", "image/png", "<urn:uuid:resp>",
         "2026-11-30T12:00:00.123456Z", b"\x89PNG fake"),
    ]


def test_a_visit_that_kept_nothing_writes_no_record() -> None:
    assert browser_records(_item(outcome="failed: Chromium crashed")) == []


def test_resource_record_without_a_response_to_point_to() -> None:
    record = build_resource_record("urn:dom:http://a/", WHEN, "text/html", b"x", "<urn:uuid:1>", None)
    rec = next(iter(ArchiveIterator(io.BytesIO(serialize_record(record)))))
    assert rec.rec_headers.get_header("WARC-Concurrent-To") is None


def test_text_json_and_metadata_say_which_capture_the_text_came_from() -> None:
    item = _item(reason="static capture has 0 characters of main text (< 200)", outcome="complete",
                 refused=[{"url": "ws://a/live", "reason": "not http(s): refused, never fetched"}])
    item.text_source = "browser"
    record = text_record(item)
    assert (record["capture"], record["browser"]) == ("browser", "complete")
    fields = metadata_fields(item)
    assert ("browser-outcome", "complete") in fields and ("text-from", "browser capture") in fields
    assert ("browser-refused", "ws://a/live not http(s): refused, never fetched") in fields
    static = PageItem(url=BASE + ARTICLE_PATH, role="seed")
    assert (text_record(static)["capture"], text_record(static)["browser"]) == ("static", None)


def test_summary_line_counts_the_visits() -> None:
    assert browser_line([{"browser": None}]) is None
    line = browser_line([{"browser": "complete"}, {"browser": "cut short: page time limit"},
                         {"browser": "failed: Chromium crashed"}, {"browser": None}])
    assert line.startswith("browser: 3 page(s) loaded in Chromium") and "1 cut short" in line
    assert "1 failed" in line


def test_a_tab_that_will_not_open_is_a_failed_visit_not_an_exception() -> None:
    import asyncio

    from crawler.browser.render import render_page

    class DeadContext:  # what a context of a browser that just died does
        async def new_page(self):
            raise RuntimeError("Target page, context or browser has been closed")

    async def never_called(*args):
        raise AssertionError("nothing may be fetched")

    view = asyncio.run(render_page(DeadContext(), BASE + STORY_PATH, CachedResponse(200, {}, b""),
                                   never_called, time_limit=5, quiet=0.1))
    assert view.outcome.startswith("failed: Chromium crashed or closed the page")
    assert view.outcome.endswith("(while opening a tab)") and view.dom is None
