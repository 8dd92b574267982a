"""The benchmark corpus is deterministic and shaped like real news pages (issue 10, item 1)."""

from __future__ import annotations

import gzip
import statistics
from collections import Counter

from bench.corpus import page_spec, page_specs, render_page, wire_body

N = 120


def test_same_bytes_every_run():
    first = [render_page(s, N).body for s in page_specs(N)[:5]]
    again = [render_page(page_spec(i, N), N).body for i in range(5)]
    assert first == again
    assert render_page(page_spec(0, N, seed=11), N, seed=11).body != first[0]


def test_size_distribution_is_news_like():
    sizes = [len(render_page(s, N).body) for s in page_specs(N)]
    assert 90_000 <= statistics.median(sizes) <= 140_000
    assert min(sizes) < 80_000 and max(sizes) > 200_000


def test_charset_and_declaration_mix():
    specs = page_specs(400)
    charsets = Counter(s.charset for s in specs)
    assert charsets["utf-8"] / len(specs) > 0.6
    assert {"windows-1251", "shift_jis", "iso-8859-1"} <= set(charsets)
    declared = Counter(s.declared for s in specs)
    assert set(declared) == {"both", "meta", "header"}
    assert 0.6 < sum(s.gzip for s in specs) / len(specs) < 0.9
    assert len({s.host for s in specs}) > 150


def test_charset_declared_where_the_spec_says_and_bytes_decode():
    for spec in page_specs(200):
        page = render_page(spec, 200)
        head = page.body[:600].decode(spec.charset, "ignore")
        assert (f'<meta charset="{spec.charset}">' in head) == (spec.declared in ("both", "meta"))
        assert ("charset=" in spec.content_type) == (spec.declared in ("both", "header"))
        page.body.decode(spec.charset)  # strict: everything is encodable in the page's charset


def test_pages_carry_framework_state_citations_and_varied_text():
    pages = [render_page(s, N) for s in page_specs(N)[:30]]
    assert sum(b'id="__NEXT_DATA__"' in p.body for p in pages) >= 10
    english = [p for p in pages if p.spec.language == "en"]
    assert all(b"<article" in p.body and b"http://" in p.body for p in english)
    sentences = Counter(s for p in english for s in p.body.decode().split(". "))
    assert sentences.most_common(1)[0][1] < 40  # no paragraph repeated verbatim across pages


def test_gzip_on_the_wire_when_the_corpus_says():
    spec = next(s for s in page_specs(N) if s.gzip)
    page = render_page(spec, N)
    body, encoding = wire_body(page)
    assert encoding == "gzip" and gzip.decompress(body) == page.body
    assert wire_body(page, accepts_gzip=False) == (page.body, None)
