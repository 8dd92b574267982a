"""Everything CPU-heavy about one HTML page, done in one call in a worker process."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from crawler.web.citations import judge_page
from crawler.web.citations.beside import links_beside_text
from crawler.web.citations.located import links_in_text
from crawler.web.links import find_requisites
from pipelines.extract import Extraction, ExtractOptions, LinkCandidate, extract_html, extractable
from pipelines.html_tree import ParsedPage, parse_page


@dataclass
class PageAnalysis:
    extraction: dict[str, Any] | None = None  # Extraction fields, links dropped
    citations: list[dict[str, str | None]] = field(default_factory=list)
    links_not_cited: list[dict[str, str]] = field(default_factory=list)  # [{url, anchor, reason}]
    requisites: list[str] = field(default_factory=list)


def found_in_tree(page: ParsedPage | None, extraction: Extraction, url: str) -> list[LinkCandidate]:
    """Link candidates read from the page's tree that trafilatura's output lacks: when it gave no
    link at all (its fallbacks return text without one), the links of the extracted text's blocks
    (``located``); otherwise the links of the tables of the article it dropped (``beside``)."""
    if page is None or page.tree is None:
        return []
    root = page.tree.getroottree().getroot()
    if not extraction.links:
        return links_in_text(root, extraction.text, url, [])
    return links_beside_text(root, extraction.text, url, extraction.links)


def analyse_page(
    html: str,
    url: str,
    content_language: str | None,
    options: ExtractOptions,
    want_text: bool,
    want_requisites: bool,
) -> PageAnalysis:
    """Main text, citations and requisites of a page (runs in the process pool), from one parse.

    Requisites are read first: trafilatura works on its own copy of the tree, but the order
    keeps that an implementation detail of trafilatura rather than a promise relied upon."""
    result = PageAnalysis()
    parsed = want_requisites or (want_text and extractable(html, options))
    page = parse_page(html) if parsed and html.strip() else None
    if want_requisites:
        result.requisites = find_requisites(html, url, page)
    if want_text:
        extraction = extract_html(html, url, content_language, options, page)
        links = list(extraction.links) + found_in_tree(page, extraction, url)
        judged = judge_page(links, extraction.text, url, extraction.author, code=extraction.code)
        result.citations = [c.record() for c in judged.cited]
        result.links_not_cited = [n.record() for n in judged.not_cited]
        data = asdict(replace(extraction, links=[]))  # the links are judged above, not copied
        data.pop("links")
        data.pop("code")
        result.extraction = data
    return result
