"""One parse of an HTML page, shared by text extraction and requisite finding.

trafilatura accepts a parsed tree and copies it before changing anything, so the tree it would
have built from the string (``trafilatura.utils.load_html``: same parser, same repairs) is built
once here and handed both to it and to ``crawler.web.links.find_requisites``. The same parse says
whether libxml2 stopped at its depth limit (``pipelines.shallow_html``); only then is the page
flattened and parsed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.shallow_html import KEEP_DEPTH, LXML_MAX_DEPTH, flatten


@dataclass(frozen=True)
class ParsedPage:
    html: str  # the markup parsed: the page as decoded, or flattened when it was too deep
    tree: Any  # lxml HtmlElement as trafilatura loads it; None when it is not HTML to trafilatura
    flattened: bool = False


def parse_page(html: str) -> ParsedPage:
    """The page parsed once (twice for the rare page nested deeper than libxml2 reads)."""
    tree = _load(html)
    if html.count("<") >= LXML_MAX_DEPTH and _stopped_at_depth_limit():
        flat = flatten(html, KEEP_DEPTH)
        return ParsedPage(flat, _load(flat), True)
    return ParsedPage(html, tree)


def _load(html: str) -> Any:
    from trafilatura.utils import load_html  # noqa: PLC0415 - the worker's import, not the parent's

    try:
        return load_html(html)
    except (ValueError, TypeError):
        return None


def _stopped_at_depth_limit() -> bool:
    """Whether the last parse by trafilatura's parser hit libxml2's nesting limit."""
    from trafilatura.utils import HTML_PARSER  # noqa: PLC0415

    return any("Excessive depth" in entry.message for entry in HTML_PARSER.error_log)
