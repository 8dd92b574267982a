"""Links in the tables of the article's own container that the text extraction dropped (pure).

trafilatura leaves out some blocks of the article it extracts, tables above all (a table inside an
embed or a scrolling wrapper: a list article's ranking with each company linked). The labelling rule
counts every link whose block belongs to the article, so such a link is a citation the decision
never saw. The article's container is found from the links trafilatura did keep: the deepest
element of the page that holds most of them (``_SHARE``), each placed by a target the page links
only once (a target also in a menu could be either place). The ``<a href>`` of the table cells
inside that container, between its first and last kept link (before or after them is the page
around the article: menus, footers, related cards), become candidates with the same context fields
as an extracted link, go through the same decision (targets, block, anchor, position), and are
marked ``beside`` so the verdict says where they came from.

Only table cells: on the development pages, the other kinds of dropped blocks in the container
(paragraphs, list items, headings) brought as many links that are not citations (related cards,
product widgets, embedded posts' hashtags) as citations (``tests/quality/run.py``, session 10).

The container is not used to refuse the extracted links that lie outside it (session 11,
measured on the development pages and rejected): the links the extraction let in from around the
article (footers, author boxes, related items, CTA boxes) sit inside the container almost
every time. Of the links the decision cites, only 6 have their ``<a>`` outside it, 2 not cited
by the labels and 4 cited; refusing them (all of them, only those outside a sentence, or only
same-site ones) moved precision by 0.0005 at most and cost up to 4 true citations. Placing the
container by fewer of the links (half to 70% instead of ``_SHARE``) marks more links, but
mostly true citations (at half: 11 false, 87 true): an article's text is often split among
sibling elements.

Cheap by construction: one pass over the page's ``<a>`` elements comparing their raw ``href`` with
trafilatura's targets (no URL parsing), then only the container's links are read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml import etree

from crawler.web.citations.decision import join
from crawler.web.citations.located import (
    BLOCK_KINDS,
    HEADINGS,
    NOT_LINKS,
    block_of,
    new_fetchable_url,
    squash,
)
from pipelines.extract import LinkCandidate

_SHARE = 0.8  # the container holds at least this share of the links found in the extracted text
_LEAST = 2  # links found in the text needed to place the container at all
_OUTSIDE = ("html", "body")  # a "container" this wide is the page, not the article
_CELLS = ("td", "th")


def article_container(root: etree._Element, page_url: str,
                      known: list[LinkCandidate]) -> tuple[etree._Element, set[etree._Element]] | None:
    """(the deepest element holding ``_SHARE`` of the extracted links' ``<a>``, those ``<a>``), or
    None when too few of them are found or the container would be the whole page."""
    targets = {c.url for c in known}
    parts = urlsplit(page_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    by_target: dict[str, list[etree._Element]] = {}
    for el in root.iter("a"):
        href = (el.get("href") or "").strip()
        if href not in targets and href[:1] == "/" and href[:2] != "//":
            href = origin + href
        if href in targets:
            by_target.setdefault(href, []).append(el)
    # a target linked once in the page places the text; one also in a menu could be either
    found = [els[0] for els in by_target.values() if len(els) == 1]
    if len(found) < _LEAST:
        return None
    need = max(_LEAST, int(_SHARE * len(found) + 0.999))
    counts: dict[etree._Element, int] = {}
    for el in found:
        for anc in el.iterancestors():
            counts[anc] = counts.get(anc, 0) + 1
    qualifying = [el for el, n in counts.items() if n >= need]
    if not qualifying:
        return None
    # more than half of the links each: the qualifying elements are nested, the deepest has the fewest
    container = min(qualifying, key=lambda el: (counts[el], -sum(1 for _ in el.iterancestors())))
    if container.tag in _OUTSIDE:
        return None
    return container, set(found)


def links_beside_text(root: etree._Element | None, text: str, page_url: str,
                      known: list[LinkCandidate]) -> list[LinkCandidate]:
    """Candidates for the ``<a href>`` in table cells of the article's container, between its first
    and last link that trafilatura kept, not among ``known`` (trafilatura's), in document order,
    each marked ``beside``."""
    if root is None or not text or len(known) < _LEAST:
        return []
    if next(root.iter(*_CELLS), None) is None:
        return []  # most pages: no table at all, nothing to place (a scan in C, no Python per element)
    placed = article_container(root, page_url, known)
    if placed is None:
        return []
    container, in_text = placed
    total = sum(1 for el in container.iter("a") if el in in_text)
    seen = {join(page_url, c.url) for c in known}
    heading = ""
    passed = 0
    out: list[LinkCandidate] = []
    for el in container.iter("a", *HEADINGS):
        if el.tag != "a":
            heading = squash(el.text_content())[:160]
            continue
        if el in in_text:
            passed += 1
            continue
        if passed == 0 or passed == total:
            continue  # before the first link of the text or after its last: the page around it
        block = block_of(el)
        if block.tag not in _CELLS:
            continue
        href = (el.get("href") or "").strip()
        if not href or href.lower().startswith(NOT_LINKS):
            continue
        url = new_fetchable_url(page_url, href, seen)
        if url is None:
            continue
        context = squash(block.text_content())
        anchors = [squash(a.text_content()) for a in block.iter("a")]
        out.append(LinkCandidate(
            url=url, anchor=squash(el.text_content()), context=context,
            block=BLOCK_KINDS.get(block.tag, "p"), heading=heading if heading != context else "",
            position=round(passed / max(1, total), 3), block_links=len(anchors),
            link_chars=sum(len(a) for a in anchors), beside=True,
        ))
    return out
