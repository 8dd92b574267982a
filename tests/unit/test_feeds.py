"""crawler.web.feeds: entries of RSS/Atom feeds and (news) sitemaps, and which ones a run takes."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.web.feeds import Entry, feed_entries, select_entries, sitemap_entries

BASE = "https://news.example.org/feeds/world.xml"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>World</title><link>https://news.example.org/</link><description>World news</description>
<item>
  <title>Floods in the delta</title>
  <link>https://news.example.org/2026/03/floods.html?utm_source=rss&amp;utm_medium=feed</link>
  <pubDate>Sun, 01 Mar 2026 09:30:00 GMT</pubDate>
</item>
<item>
  <title>Relative link</title>
  <link>/2026/02/relative.html</link>
  <pubDate>Sat, 28 Feb 2026 18:00:00 +0100</pubDate>
</item>
<item><title>No date</title><link>https://news.example.org/undated.html</link></item>
<item><title>No link at all</title></item>
<item><title>Not the web</title><link>mailto:desk@news.example.org</link></item>
</channel></rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Desk</title><id>urn:x</id><updated>2026-03-01T10:00:00Z</updated>
  <entry>
    <title>Atom story</title>
    <link rel="alternate" href="https://news.example.org/atom-story.html#comments"/>
    <id>urn:1</id><published>2026-03-01T08:00:00Z</published><updated>2026-03-01T09:00:00Z</updated>
  </entry>
  <entry>
    <title>Only updated</title>
    <link href="https://news.example.org/updated-only.html?fbclid=abc&amp;id=7"/>
    <id>urn:2</id><updated>2026-02-20T08:00:00+02:00</updated>
  </entry>
</feed>
"""

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://news.example.org/a.html</loc><lastmod>2026-02-27</lastmod></url>
  <url><loc> https://news.example.org/b.html?utm_campaign=x </loc>
       <lastmod>2026-02-28T10:00:00+00:00</lastmod></url>
  <url><loc>https://news.example.org/c.html</loc></url>
  <url><loc>javascript:alert(1)</loc></url>
</urlset>
"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://news.example.org/sitemap-1.xml.gz</loc><lastmod>2026-03-01</lastmod></sitemap>
  <sitemap><loc>/sitemap-2.xml</loc></sitemap>
</sitemapindex>
"""

NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example.org/2026/03/01/ceasefire.html</loc>
    <lastmod>2026-03-01T11:00:00Z</lastmod>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-03-01T07:15:00+00:00</news:publication_date>
      <news:title>Ceasefire talks resume — «in good faith»</news:title>
    </news:news>
  </url>
</urlset>
""".encode()


def by_url(entries: list[Entry]) -> dict[str, Entry]:
    return {e.url: e for e in entries}


# --- feed_entries -----------------------------------------------------------------------------


def test_rss_entries():
    entries = by_url(feed_entries(RSS, BASE))
    assert set(entries) == {
        "https://news.example.org/2026/03/floods.html",
        "https://news.example.org/2026/02/relative.html",
        "https://news.example.org/undated.html",
    }, "tracking parameters removed, relative links resolved, non-http links dropped"
    floods = entries["https://news.example.org/2026/03/floods.html"]
    assert floods.title == "Floods in the delta"
    assert floods.published == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert entries["https://news.example.org/2026/02/relative.html"].published == \
        datetime(2026, 2, 28, 17, 0, tzinfo=UTC), "offsets are converted to UTC"
    assert entries["https://news.example.org/undated.html"].published is None


def test_atom_entries():
    entries = by_url(feed_entries(ATOM, BASE))
    assert set(entries) == {
        "https://news.example.org/atom-story.html",
        "https://news.example.org/updated-only.html?id=7",
    }
    story = entries["https://news.example.org/atom-story.html"]
    assert story.published == datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "published beats updated"
    assert story.title == "Atom story"
    assert entries["https://news.example.org/updated-only.html?id=7"].published == \
        datetime(2026, 2, 20, 6, 0, tzinfo=UTC)


def test_not_a_feed_gives_no_entries():
    assert feed_entries(b"<html><body>Moved</body></html>", BASE) == []
    assert feed_entries(b"", BASE) == []


# --- sitemap_entries --------------------------------------------------------------------------


def test_urlset():
    kind, entries = sitemap_entries(URLSET, "https://news.example.org/sitemap.xml")
    assert kind == "urlset"
    assert [e.url for e in entries] == [
        "https://news.example.org/a.html",
        "https://news.example.org/b.html",
        "https://news.example.org/c.html",
    ]
    assert entries[0].published == datetime(2026, 2, 27, tzinfo=UTC)
    assert entries[1].published == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert entries[2].published is None


def test_sitemapindex():
    kind, entries = sitemap_entries(INDEX, "https://news.example.org/sitemap.xml")
    assert kind == "sitemapindex"
    assert [e.url for e in entries] == [
        "https://news.example.org/sitemap-1.xml.gz",
        "https://news.example.org/sitemap-2.xml",
    ]


def test_news_sitemap_publication_date_and_title():
    kind, [entry] = sitemap_entries(NEWS, "https://news.example.org/news-sitemap.xml")
    assert kind == "urlset"
    assert entry.url == "https://news.example.org/2026/03/01/ceasefire.html"
    assert entry.published == datetime(2026, 3, 1, 7, 15, tzinfo=UTC), \
        "the publication date, not lastmod"
    assert entry.title == "Ceasefire talks resume — «in good faith»"


def test_gzipped_sitemap():
    assert sitemap_entries(gzip.compress(NEWS), BASE) == sitemap_entries(NEWS, BASE)


def test_not_xml_gives_no_entries():
    assert sitemap_entries(b"", BASE) == ("urlset", [])
    assert sitemap_entries(b"\x1f\x8b not really gzip", BASE) == ("urlset", [])


def test_truncated_gzip_gives_the_entries_before_the_cut():
    body = gzip.compress(URLSET)
    kind, entries = sitemap_entries(body[: len(body) - 12], BASE)  # the gzip trailer is 8 bytes
    assert kind == "urlset"
    assert [e.url for e in entries][:2] == ["https://news.example.org/a.html",
                                             "https://news.example.org/b.html"]


def test_multi_member_gzip():
    half = URLSET.index(b"<url><loc> https")
    body = gzip.compress(URLSET[:half]) + gzip.compress(URLSET[half:])
    assert sitemap_entries(body, BASE) == sitemap_entries(URLSET, BASE)


# --- select_entries ---------------------------------------------------------------------------


def entry(path: str, hours_ago: float | None) -> Entry:
    when = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return Entry(f"https://news.example.org/{path}", when, path)


def test_old_entries_are_skipped():
    taken, skipped = select_entries([entry("new", 1), entry("old", 24 * 8)], NOW, 7, 50)
    assert [e.title for e in taken] == ["new"]
    assert [(e.title, why) for e, why in skipped] == [("old", "older than 7 days")]


def test_max_entries_takes_the_newest_first():
    entries = [entry("b", 5), entry("a", 1), entry("d", 20), entry("c", 10)]
    taken, skipped = select_entries(entries, NOW, 7, 2)
    assert [e.title for e in taken] == ["a", "b"]
    assert {e.title: why for e, why in skipped} == {
        "c": "beyond max_feed_entries (2)", "d": "beyond max_feed_entries (2)"}


def test_already_archived_entries_are_skipped():
    archived = {"https://news.example.org/seen"}
    taken, skipped = select_entries([entry("seen", 1), entry("fresh", 2)], NOW, 7, 50, archived)
    assert [e.title for e in taken] == ["fresh"]
    assert skipped[0][1] == "archived by an earlier run of this job"


def test_undated_entries_are_kept():
    taken, _ = select_entries([entry("undated", None), entry("ancient", 24 * 365)], NOW, 7, 50)
    assert [e.title for e in taken] == ["undated"]


def test_duplicates_count_once():
    dup = Entry("https://news.example.org/a?utm_source=x", NOW, "dup")
    taken, skipped = select_entries([entry("a", 1), dup], NOW, 7, 50)
    assert len(taken) == 1 and skipped == []


# --- whatever arrives, no crash ---------------------------------------------------------------

XMLISH = st.lists(
    st.sampled_from([b"<rss>", b"<channel>", b"<item>", b"<link>", b"</link>", b"<urlset>",
                     b"<url>", b"<loc>", b"</loc>", b"<sitemapindex>", b"<feed>", b"<entry>",
                     b"http://a/", b"\x1f\x8b", b"&", b"<!DOCTYPE x [<!ENTITY e 'x'>]>", b"\x00",
                     b"<?xml version='1.0'?>", "\u00e9".encode(), b"]]>"]),
    max_size=30,
).map(b"".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000), XMLISH))
def test_arbitrary_bytes_never_crash(body):
    for e in feed_entries(body, BASE):
        assert e.url.startswith(("http://", "https://"))
    kind, entries = sitemap_entries(body, BASE)
    assert kind in {"urlset", "sitemapindex"}
    for e in entries:
        assert e.url.startswith(("http://", "https://"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500))
def test_arbitrary_gzip_never_crashes(body):
    sitemap_entries(gzip.compress(body), BASE)
