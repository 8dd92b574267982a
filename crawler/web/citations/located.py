"""Links of the extracted main text that trafilatura's output does not carry (pure).

trafilatura keeps ``<ref target>`` only on the path that extracted the text: when one of its
fallbacks (readability, jusText, the baseline) wins, the text comes back without a single link.
The labelling rule counts every link whose block is in the article's text, so for such a page the
page's own tree (already parsed for extraction, never parsed again) is read for each ``<a href>``
whose block appears in the extracted text, with the same context fields as trafilatura's.
``crawler.web.analysis`` calls it only when trafilatura gave no link at all: on the dev set that
is nearly all of the recall it buys (reading every page's tree too gained 0.002 recall and lost
0.005 precision, for about 3 ms a page).
"""

from __future__ import annotations

from lxml import etree

from crawler.web.citations.decision import fetchable, join
from pipelines.extract import LinkCandidate

# A link's block element -> the ``LinkCandidate.block`` kind the decision weighs (shared with the
# dropped-table finder, ``beside.py``, so both describe a link alike).
BLOCK_KINDS = {"p": "p", "li": "item", "dd": "item", "dt": "item", "blockquote": "quote", "td": "cell",
               "th": "cell", "figcaption": "p", "pre": "code", "caption": "p", "h1": "head", "h2": "head",
               "h3": "head", "h4": "head", "h5": "head", "h6": "head"}
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
NOT_LINKS = ("#", "javascript:", "mailto:", "tel:", "data:")  # hrefs that lead to no page
_UP = 8  # ancestors searched for the link's block
_KEY = 60  # characters of a block looked for in the text, at its start and its end


def squash(text: str) -> str:
    """Whitespace runs as one space: text as the extraction and the labels compare it."""
    return " ".join(text.split())


def links_in_text(root: etree._Element | None, text: str, page_url: str,
                  known: list[LinkCandidate]) -> list[LinkCandidate]:
    """Candidates for the ``<a href>`` of ``root`` whose block is in ``text`` and whose URL is not
    among ``known`` (trafilatura's), in document order."""
    if root is None or not text:
        return []
    lines = text.split("\n")
    whole_lines = set(lines)
    joined = "\n".join(lines)
    # Compared as joined, not canonical (the costly part): a variant spelling of a URL
    # trafilatura gave is merged with it by the decision's own canonical de-duplication.
    seen = {join(page_url, c.url) for c in known}
    blocks: dict[etree._Element, tuple[str, int, int, int] | None] = {}
    heading = ""
    out: list[LinkCandidate] = []
    for el in root.iter("a", *HEADINGS):
        if el.tag != "a":
            heading = squash(el.text_content())[:160]
            continue
        href = (el.get("href") or "").strip()
        if not href or href.lower().startswith(NOT_LINKS):
            continue
        block = block_of(el)  # most links are navigation: their block is not in the text
        if block not in blocks:
            blocks[block] = _place(block, joined, whole_lines)
        place = blocks[block]
        if place is None:
            continue
        url = new_fetchable_url(page_url, href, seen)
        if url is None:
            continue
        context, offset, n_links, link_chars = place
        line = joined.count("\n", 0, offset)
        out.append(LinkCandidate(
            url=url, anchor=squash(el.text_content()), context=context,
            block=BLOCK_KINDS.get(block.tag, "p"), heading=heading if heading != context else "",
            position=round(line / max(1, len(lines) - 1), 3), block_links=n_links,
            link_chars=link_chars, previous=lines[line - 1][:200] if line else "",
        ))
    return out


def new_fetchable_url(page_url: str, href: str, seen: set[str]) -> str | None:
    """The URL ``href`` names on ``page_url`` if it is not in ``seen`` (joined URLs, updated
    here) and is one a crawl can fetch; else None. Shared by every finder of links that the
    extraction did not report, so each de-duplicates and refuses the same way."""
    joined_url = join(page_url, href)
    if joined_url in seen:
        return None
    seen.add(joined_url)
    return fetchable(joined_url)


def block_of(link: etree._Element) -> etree._Element:
    """The nearest ancestor of ``link`` that is a block of ``BLOCK_KINDS`` (the sentence or item it
    stands in), within a few levels; its parent when none is."""
    node = link.getparent()
    for _ in range(_UP):
        if node is None:
            break
        if node.tag in BLOCK_KINDS:
            return node
        node = node.getparent()
    return link.getparent() if link.getparent() is not None else link


def _place(block: etree._Element, joined: str, whole_lines: set[str]) -> tuple[str, int, int, int] | None:
    """(block text, where it starts in the text, links in it, characters of their anchors), or
    None when the block is not in the extracted text."""
    context = squash(block.text_content())
    if not context:
        return None
    if len(context.split()) <= 2:
        if context not in whole_lines:
            return None
        offset = joined.find(context)
    else:
        offset = joined.find(context[:_KEY])
        if offset < 0 or (len(context) > _KEY and context[-_KEY:] not in joined):
            return None
    anchors = [squash(a.text_content()) for a in block.iter("a")]
    return context, offset, len(anchors), sum(len(a) for a in anchors)
