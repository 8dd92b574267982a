"""report.html: self-contained (nothing it would load lives elsewhere), every hostile value
escaped, every citation shown with its fate as a badge (text and colour)."""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from typing import Any

from pipelines.ledger.build import FATES
from pipelines.ledger.report_html import FATE_STYLE, ReplayLinks, context_html, render_report

CRAWL = "20260301T120000Z-story"
HOSTILE = '<script>alert("x")</script><img src="http://evil.test/t.png">'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
REPLAY = ReplayLinks(base="http://127.0.0.1:8080", collection="citewarc", wacz=f"{CRAWL}.wacz")


def citation(n: int, fate: str, **extra: Any) -> dict[str, Any]:
    out = {
        "n": n, "url": f"http://src.test/{n}", "anchor": f"anchor {n}",
        "context": f"The story says anchor {n} proves it.", "kind": "link", "original": None,
        "hops": [], "final_url": f"http://src.test/{n}", "status": 200, "error": None,
        "fate": fate, "fate_reason": f"because {fate}",
        "capture": {"warc": f"{CRAWL}/warc/a.warc.gz", "warc_record_id": f"<urn:uuid:{n}>",
                    "time": "2026-03-01T12:00:01.123456Z", "payload_digest": "sha1:ABC", "title": "T",
                    "text_sha256": "0" * 64, "text": None},
        "archives": [],
    }
    out.update(extra)
    return out


def ledger() -> dict[str, Any]:
    cites = [citation(i + 1, f) for i, f in enumerate(FATES)]
    cites[0]["archives"] = [{
        "archive": "wayback", "endpoint": "https://web.archive.org/web/timemap/link/",
        "queried_at": "2026-03-01T12:02:00Z", "ok": True, "error": None, "mementos": 3,
        "before": {"uri": "https://web.archive.org/web/20260101000000/http://src.test/1",
                   "datetime": "2026-01-01T00:00:00Z"},
        "after": {"uri": "javascript:alert(1)", "datetime": "2026-04-01T00:00:00Z"},
        "text_match": "differs", "text_match_note": "changed after the story"}, {
        "archive": "archive.today", "endpoint": "https://archive.ph/timemap/", "queried_at": "x",
        "ok": False, "error": "connection refused", "mementos": None, "before": None, "after": None,
        "text_match": "unknown", "text_match_note": None}]
    cites[1]["anchor"] = HOSTILE
    cites[1]["context"] = f"Before {HOSTILE} after."
    cites[2]["url"] = "javascript:alert(2)"
    cites[3]["hops"] = [{"url": "http://src.test/old\"><b>", "status": 301}]
    return {
        "format": "citewarc-citations-1", "crawl_id": CRAWL, "tool": "citewarc 1.0",
        "generated": "2026-03-01T12:05:00Z",
        "archive_lookups": {"enabled": True, "archives": [{"name": "wayback", "endpoint": "e"}],
                            "note": None},
        "probes": [{"host": "src.test", "url": "http://src.test/citewarc-probe-1", "status": 200,
                    "final_url": None, "title": HOSTILE, "text_sha256": None, "fetched_at": None,
                    "error": None}],
        "stories": [{"url": "http://news.test/story", "final_url": "http://news.test/story",
                     "title": f"The story {HOSTILE}", "published": "2026-02-01",
                     "captured_at": "2026-03-01T12:00:00.000001Z", "warc_record_id": "<urn:uuid:s>",
                     "screenshot": f"{CRAWL}/screenshots/s.png", "text": None,
                     "diff": f"{CRAWL}/diffs/s.json", "change": "changed", "citations": cites}],
    }


EVIDENCE = {"signed": True, "fingerprint": "ab:cd:ef", "signed_at": "2026-03-01T12:04:00Z",
            "timestamp": {"status": "stamped", "gen_time": "2026-03-01T12:04:01Z", "tsa": "CN=Test TSA"}}
DIFFS = {f"{CRAWL}/diffs/s.json": {"changes": {"title": {"before": "Old <i>", "after": "New"}},
                                   "text_diff": "-old line\n+new <script> line"}}


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parsed(page: str) -> Collect:
    c = Collect()
    c.feed(page)
    return c


def render(**kw: Any) -> str:
    args: dict[str, Any] = {"signature": EVIDENCE, "screenshot_png": PNG, "replay": REPLAY, "diffs": DIFFS}
    args.update(kw)
    return render_report(ledger(), **args)


def test_nothing_is_loaded_from_elsewhere():
    page = parsed(render())
    assert not [t for t, _ in page.tags if t in ("script", "iframe", "object", "embed", "base", "frame")]
    for tag, attrs in page.tags:
        for name in ("src", "srcset", "poster", "data", "background", "action", "formaction"):
            value = attrs.get(name)
            assert value is None or value.startswith("data:"), (tag, name, value)
        if tag == "link":
            assert attrs.get("rel") == "icon" and attrs.get("href") == "data:,", attrs
        if tag != "a" and tag != "link":
            assert "href" not in attrs, (tag, attrs)
        style = attrs.get("style") or ""
        assert "url(" not in style and "@import" not in style
    assert ("link", {"rel": "icon", "href": "data:,"}) in page.tags
    css = render().split("<style>", 1)[1].split("</style>", 1)[0]
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_links_are_anchors_to_replay_wacz_archives_and_sources_only():
    page = parsed(render())
    hrefs = [a["href"] for t, a in page.tags if t == "a"]
    assert all(h.startswith(("http://", "https://")) or h == f"{CRAWL}.wacz" for h in hrefs), hrefs
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert "http://127.0.0.1:8080/citewarc/20260301120001/http://src.test/1" in hrefs
    assert "http://127.0.0.1:8080/citewarc/20260301120000/http://news.test/story" in hrefs
    assert f"{CRAWL}.wacz" in hrefs
    assert "https://web.archive.org/web/20260101000000/http://src.test/1" in hrefs


def test_hostile_values_are_escaped():
    page_text = render()
    page = parsed(page_text)
    assert "<script>" not in page_text
    assert not [a for t, a in page.tags if t == "img" and not (a.get("src") or "").startswith("data:")]
    text = "".join(page.text)
    assert 'The story <script>alert("x")</script>' in text  # shown as text, not run
    assert "javascript:alert(2)" in text  # a javascript: citation is shown, never linked
    title = page_text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "&lt;script&gt;" in title


def test_every_citation_has_its_badge_with_text_and_colour():
    page = parsed(render())
    items = [a for t, a in page.tags if t == "li" and "citation" in (a.get("class") or "")]
    assert [a["data-fate"] for a in items] == list(FATES)
    badges = [a for t, a in page.tags if t == "span" and "badge" in (a.get("class") or "").split()]
    for fate in FATES:
        bg, fg, _ = FATE_STYLE[fate]
        assert any(f"fate-{fate}" in b["class"] and bg in b["style"] and fg in b["style"] for b in badges)
    text = "".join(page.text)
    for _, _, label in FATE_STYLE.values():
        assert label in text


def test_the_page_shows_story_signature_screenshot_changes_and_archives():
    page_text = render()
    text = "".join(parsed(page_text).text)
    assert "signed by key ab:cd:ef" in text and "timestamped 2026-03-01T12:04:01Z by CN=Test TSA" in text
    assert "data:image/png;base64," in page_text
    assert "What changed since the last capture: changed" in text
    assert "+new <script> line" in text and "Old <i>" in text
    assert "differs from ours (changed after the story)" in text
    assert "archive.today: no answer (connection refused)" in text
    assert "Captured2026-03-01T12:00:00.000001Z" in text


def test_without_signature_or_screenshot():
    text = "".join(parsed(render(signature=None, screenshot_png=None, diffs=None)).text)
    assert "not recorded" in text
    unsigned = copy.deepcopy(EVIDENCE)
    unsigned.update(signed=False, fingerprint=None)
    unsigned["timestamp"] = {"status": "off"}
    text = "".join(parsed(render(signature=unsigned)).text)
    assert "unsigned; no trusted timestamp" in text
    assert "data:image/png" not in render(screenshot_png=None)


def test_context_marks_the_anchor_or_the_written_url():
    assert context_html("See the report here.", "the report", "u") == "See <mark>the report</mark> here."
    assert context_html("Source: http://a.test/x.", "", "http://a.test/x") == (
        "Source: <mark>http://a.test/x</mark>.")
    assert context_html("a <b> c", "<b>", "u") == "a <mark>&lt;b&gt;</mark> c"
    assert context_html("", "anchor", "u") == "<mark>anchor</mark>"


def test_replay_links():
    assert REPLAY.replay("2026-03-01T12:00:01.5Z", "http://a.test/") == (
        "http://127.0.0.1:8080/citewarc/20260301120001/http://a.test/")
    assert REPLAY.replay(None, "http://a.test/") is None
