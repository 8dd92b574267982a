"""The links a labeller judges on one page: every ``<a href>`` whose block lies in the labelled text.

Citation truth is labelled per link, and a labeller cannot be asked to read every link of a page
(hundreds of them are navigation). The pool is drawn from the page's labelled main text instead of
from any extractor, so that the truth does not inherit one extractor's blind spots: a link is a
candidate when at least half of the words of the block it sits in (paragraph, list item, quote,
caption, cell, heading) appear, in order, in the labelled main text. The labeller then marks each
candidate cited or not by the rule in ``CITATIONS.md`` and may add a link the pool missed.

Run: ``python -m tests.quality.citation_pool PAGE.html[.gz] URL TRUTH.txt`` prints the pool as JSON.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

_WORDS = re.compile(r"\w+", re.UNICODE)
_BLOCKS = {"p", "li", "blockquote", "td", "th", "dd", "dt", "figcaption", "pre", "h1", "h2", "h3", "h4",
           "h5", "h6", "caption"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


@dataclass
class PoolLink:
    """One distinct link target of the page, with every place in the article where it appears."""

    url: str
    anchors: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    position: float = 0.0  # first occurrence: 0 = start of the article's words, 1 = the end


def _squash(text: str) -> str:
    return " ".join(text.split())


def _shingles(tokens: list[str], n: int = 3) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def _line_keys(truth: str) -> set[str]:
    return {" ".join(t.lower() for t in _WORDS.findall(line)) for line in truth.splitlines()}


def in_truth(block_text: str, truth_tokens: set[tuple[str, ...]], truth_lines: set[str]) -> float:
    """Share of the block's word trigrams found in the labelled text.

    A block of one or two words must be a whole line of the labelled text: "About" or "Home" found
    somewhere inside a sentence says nothing about where the block sits."""
    tokens = [t.lower() for t in _WORDS.findall(block_text)]
    if not tokens:
        return 0.0
    if len(tokens) < 3:
        return 1.0 if " ".join(tokens) in truth_lines else 0.0
    grams = _shingles(tokens)
    return len(grams & truth_tokens) / len(grams)


def _block_of(link: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    node = link.getparent()
    while node is not None and node.tag not in _BLOCKS:
        node = node.getparent()
    return node if node is not None else (link.getparent() if link.getparent() is not None else link)


def link_pool(html: str, page_url: str, truth: str, threshold: float = 0.5) -> list[PoolLink]:
    """Every distinct link target whose block is (mostly) inside the labelled main text."""
    doc = lxml.html.document_fromstring(html)
    base = doc.find(".//base[@href]")
    base_url = urljoin(page_url, base.get("href")) if base is not None else page_url
    truth_tokens_list = [t.lower() for t in _WORDS.findall(truth)]
    truth_grams = _shingles(truth_tokens_list)
    truth_joined = " ".join(truth_tokens_list)
    truth_lines = _line_keys(truth)
    heading = ""
    pool: dict[str, PoolLink] = {}
    for node in doc.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _HEADINGS:
            heading = _squash(node.text_content())[:160]
        if node.tag != "a":
            continue
        href = (node.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP_SCHEMES):
            continue
        try:
            url = urljoin(base_url, href).split("#", 1)[0]
        except ValueError:
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        block = _block_of(node)
        context = _squash(block.text_content())
        if in_truth(context, truth_grams, truth_lines) < threshold:
            continue
        anchor = _squash(node.text_content()) or _squash(node.get("title") or node.get("aria-label") or "")
        entry = pool.get(url)
        if entry is None:
            entry = pool[url] = PoolLink(url=url, position=_position(context, truth_joined))
        if anchor not in entry.anchors:
            entry.anchors.append(anchor)
        if context[:400] not in entry.contexts:
            entry.contexts.append(context[:400])
            entry.headings.append(heading)
            entry.blocks.append(block.tag)
    return list(pool.values())


def _position(context: str, truth_joined: str) -> float:
    tokens = [t.lower() for t in _WORDS.findall(context)][:6]
    at = truth_joined.find(" ".join(tokens)) if tokens else -1
    return round(at / max(1, len(truth_joined)), 3) if at >= 0 else -1.0


def read_html(path: Path) -> str:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return data.decode("utf-8", "replace")


def main(argv: list[str]) -> int:
    html_path, url, truth_path = argv
    pool = link_pool(read_html(Path(html_path)), url, Path(truth_path).read_text(encoding="utf-8"))
    json.dump([asdict(link) for link in pool], sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
