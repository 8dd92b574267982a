"""Choosing between two readings of a page's main text by evidence on the page itself.

A page that publishes its article in JSON-LD (``articleBody``) states what its text is. When
trafilatura's extraction and that statement barely agree, and the statement is the longer one,
trafilatura took the wrong block (a teaser, a sidebar, one section of many): on the labelled WCXB
articles every such page was closer to the truth with the ``articleBody`` (shingle F1 0.32 -> 0.97,
0.35 -> 0.997, an ``articleBody`` published as HTML read as HTML), while pages where the two
agree, or where the extraction is the longer, are left alone. Agreement is the benchmark's own
measure: 4-word shingles, F1 of the two multisets.
"""

from __future__ import annotations

import html
import re
from collections import Counter

import lxml.html
from lxml import etree

_WORD = re.compile(r"\w+")

# articleBody replaces the extraction only when it is substantial, clearly longer, and the two
# share less than half of their shingles (agreeing pages score 0.9+, the wrong-block ones 0.3).
MIN_BODY_CHARS = 500
LONGER_BY = 1.3
MAX_AGREEMENT = 0.5


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    """Word ``size``-grams of ``text`` as a multiset (one short shingle for a short text)."""
    tokens = _WORD.findall(text or "")
    grams = (tuple(tokens[i:i + size]) for i in range(max(1, len(tokens) - size + 1)))
    return Counter(gram for gram in grams if gram)


def agreement(a: str, b: str) -> float:
    """Shingle F1 between two texts: 1.0 the same words in the same order, 0.0 nothing shared."""
    left, right = shingles(a), shingles(b)
    shared = sum((left & right).values())
    total = sum(left.values()) + sum(right.values())
    return 2 * shared / total if total else 0.0


def prefer_article_body(text: str, body: str) -> bool:
    """Whether the page's JSON-LD ``articleBody`` (read by ``body_paragraphs``) is a truer main
    text than the extraction."""
    if len(body) < MIN_BODY_CHARS or len(body) < LONGER_BY * len(text):
        return False
    return agreement(text, body) < MAX_AGREEMENT


_MARKUP = re.compile(r"<(?:p|br|div|h[1-6]|li|ul|ol|strong|em|b|i|a|span|blockquote|table)\b[^>]*>", re.I)
_LINE_BREAKING = ("p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr")


def body_paragraphs(body: str) -> str:
    """``articleBody`` as lines of text, one paragraph a line, whitespace squashed. Some sites
    publish it as HTML (tags, entities): it is read as HTML then, scripts and styles left out."""
    text = body
    if _MARKUP.search(body):
        try:
            fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        except (ValueError, etree.ParserError):
            fragment = None
        if fragment is not None:
            for element in list(fragment.iter("script", "style", "noscript")):
                element.drop_tree()
            for element in fragment.iter(*_LINE_BREAKING):
                element.tail = "\n" + (element.tail or "")
            text = fragment.text_content()
    lines = (" ".join(line.split()) for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def anchor_in_text(anchor: str, text: str) -> bool:
    """Whether a link's anchor text appears in ``text`` (case and whitespace aside)."""
    needle = " ".join(anchor.lower().split())
    return bool(needle) and needle in " ".join(text.lower().split())

