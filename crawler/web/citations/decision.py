"""The citation decision: every link of the main text gets a verdict and a reason (pure).

Signals, each of which can be switched off to measure what it buys
(``tests/quality/citation_signals.py``):

- ``target``: what the URL points at (``targets.py``): share, shop and affiliate links, account
  and newsletter pages, the site's tag, section, author and service pages, social profiles; a
  shop's product page linked from a generic phrase, or on a page that declares affiliate links;
- ``block``: the block around the link (``context.py``): a related-items list, a recent-posts
  item (a title and its date), an author bio, a byline, a photo credit, a newsletter or sponsored
  box, code (a URL written in a code block is an example); a "Sources"/"References" list makes
  its links citations whatever their position;
- ``anchor``: the anchor text: a share verb, "Follow us", a newsletter, a call to action (or a
  same-site link in a sentence asking the reader to act), the author's name, a help link
  ("Litmaps (What is Litmaps?)"), no text at all on a teaser card;
- ``position``: a block that is nothing but links, at the start or the end of the text (a list
  of links after the article, breadcrumbs before it), or in a long run of such blocks linking the
  site (a menu), rather than a sentence;
- ``repetition``: the same link in the main text of many pages of a site (crawl-wide, applied
  by the spider with ``repetition.SiteRepetition``; see there).

A link is judged once per target URL: cited if any of its occurrences is (a target cited in a
sentence and also in a menu is cited); otherwise it is listed in ``not_cited`` with the reason
of its first occurrence, so a reviewer sees every link and why it was left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from crawler.web.citations.archives import NO_ORIGINAL, archived_original, is_archive
from crawler.web.citations.context import (
    affiliate_disclosure,
    anchor_class,
    attribution_link,
    block_class,
    call_to_action_sentence,
    dated_title,
    help_link,
    names_something,
    network_name,
    own_anchor_class,
    prose_around,
    read_more_sentence,
    sentence_around,
    source_list,
)
from crawler.web.citations.targets import (
    NOT_CITED_TARGETS,
    Target,
    canonical_key,
    classify_target,
    retail_product_page,
)
from crawler.web.citations.written import WrittenReference, written_references
from crawler.web.urls import InvalidURL, clean_url
from pipelines.extract import LinkCandidate

SIGNALS = frozenset({"target", "anchor", "block", "position", "repetition"})
_EDGE = 0.12  # share of the text at its start and end where a block of bare links is navigation
_RUN = 6  # blocks of bare links in a row: a directory or a menu, not the article's list
_SENTENCE_WORDS = 8
_CARD_CHARS = 160  # a teaser card's block: a section's name and a title, no paragraph


@dataclass(frozen=True)
class Verdict:
    cited: bool
    reason: str  # a short stable code: inline, source-list, related-list, share, ...
    detail: str = ""  # the same in words, for a reviewer

    def describe(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


@dataclass(frozen=True)
class Citation:
    url: str  # clean URL to fetch
    anchor: str
    kind: str = "link"  # link (an <a href>), text (a URL written out), doi, archive
    original: str | None = None  # archive: the URL it archives (None: the link does not say)
    found: str = field(default="href", compare=False)  # href: an <a href>; text: written out
    reason: str = field(default="", compare=False)
    context: str = field(default="", compare=False)  # the sentence around it (``sentence_around``)

    def record(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {"url": self.url, "anchor": self.anchor, "kind": self.kind,
                                      "found": self.found, "reason": self.reason,
                                      "context": self.context}
        if self.kind == "archive":
            out["original"] = self.original
            if self.original is None:
                out["original_note"] = NO_ORIGINAL
        return out


@dataclass(frozen=True)
class NotCited:
    url: str
    anchor: str
    reason: str  # "<code>: <phrase>"

    def record(self) -> dict[str, str]:
        return {"url": self.url, "anchor": self.anchor, "reason": self.reason}


@dataclass
class PageCitations:
    cited: list[Citation] = field(default_factory=list)
    not_cited: list[NotCited] = field(default_factory=list)


@lru_cache(maxsize=8192)
def fetchable(url: str) -> str | None:
    """The clean URL to fetch, or None (cached: a page's links repeat, and the crawl's pages
    share their menus)."""
    try:
        return clean_url(url)
    except (InvalidURL, ValueError):
        return None


def join(base: str, href: str) -> str:
    """``urljoin`` that never raises (``http://[bad`` makes urllib raise ValueError)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def judge_link(link: LinkCandidate, page_url: str, author: str | None = None,
               signals: frozenset[str] = SIGNALS, run: int = 1) -> tuple[str | None, Verdict]:
    """(clean URL or None, verdict) of one link of the main text; ``run``: how many blocks of
    bare links in a row its block is one of (``link_runs``)."""
    url = fetchable(join(page_url, link.url))
    if url is None:
        return None, Verdict(False, "not-fetchable", "not an http(s) link")
    target = classify_target(url, page_url)
    return url, _weigh(link, target, author, signals, run)


def link_runs(links: list[LinkCandidate], text: str) -> list[int]:
    """For each link, the number of consecutive lines of the text that are blocks of bare links
    (no prose around their anchors) its block belongs to; 1 for a link in prose."""
    bare = {link.context for link in links if prose_around(link.context, link.anchor, link.link_chars) < 2}
    lines = text.split("\n")
    run_of: dict[str, int] = {}
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end] in bare:
            end += 1
        for line in lines[start:end]:
            run_of.setdefault(line, end - start)
        start = end + 1 if end == start else end
    return [run_of.get(link.context, 1) for link in links]


def _weigh(link: LinkCandidate, target: Target, author: str | None, signals: frozenset[str],
           run: int = 1) -> Verdict:
    if target.kind == "self":
        return Verdict(False, "self", target.detail)
    anchor = " ".join(link.anchor.split())
    context = link.context.strip()
    prose = prose_around(context, anchor, link.link_chars)
    sources = source_list(link.heading, link.previous) if "block" in signals else None
    if "target" in signals:
        named = target.own_offer and prose >= _SENTENCE_WORDS and names_something(anchor, context)
        if target.kind in NOT_CITED_TARGETS and not named:
            return Verdict(False, target.kind, target.detail)
        if target.kind == "social-profile" and (
            prose < 2 * _SENTENCE_WORDS or len(context) < 160 or network_name(anchor)
            or attribution_link(context, anchor, True) is not None
        ):
            return Verdict(False, "social-follow", target.detail)
        if target.kind == "one-word-page" and (prose < _SENTENCE_WORDS or target.word in anchor.lower()):
            return Verdict(False, "tag-section", target.detail)
    own = target.kind in {"own-page", "tag-section", "one-word-page"} or target.own_offer
    if "block" in signals and sources is None:
        found = block_class(context, anchor, link.heading, link.previous, link.block, link.link_chars)
        if found is not None and found[0] == "related-list" and not own:
            found = None  # a "read more" list of other sites' pages and documents is further reading
        if found is None and own:
            found = read_more_sentence(context) or dated_title(context, anchor)
        if found is not None:
            return Verdict(False, *found)
    if "anchor" in signals:
        found = anchor_class(anchor, author, prose) or help_link(anchor, context)
        if found is None and target.kind in {"other-site", "own-page"} and prose >= _SENTENCE_WORDS:
            found = attribution_link(context, anchor, urlsplit(link.url).path in {"", "/"})
        if found is None and own:
            found = own_anchor_class(anchor) or call_to_action_sentence(context, anchor)
        if found is None and own and not anchor and not link.written and len(context) < _CARD_CHARS:
            found = ("related-list", "a link with no text to the site beside a short title (a teaser card)")
        if found is not None and (sources is None or found[0] != "author"):
            return Verdict(False, *found)
    if "position" in signals and sources is None and prose < 2 and own and (
        link.position <= _EDGE or link.position >= 1 - _EDGE
    ):
        where = "start" if link.position <= _EDGE else "end"
        return Verdict(False, "link-list", f"a block of links with no prose at the {where} of the text")
    if "position" in signals and sources is None and prose < 2 and link.block == "p" and own:
        return Verdict(False, "link-list", "a paragraph that is only a link to the site (a button or teaser)")
    if "position" in signals and sources is None and prose < 2 and own and run >= _RUN:
        return Verdict(False, "link-list", f"one of {run} blocks of bare links in a row")
    if sources is not None:
        return Verdict(True, *sources)
    if prose < 2:
        return Verdict(True, "list-item", "a block of links inside the article")
    return Verdict(True, "inline", "in a sentence of the text")


def _shop_product(link: LinkCandidate, url: str, page_url: str, affiliate: bool) -> Verdict | None:
    """Another site's product page is a shop link when the page declares affiliate links, or when
    a generic phrase links it ("some chairs", "a larger console"): the sentence names no product
    it reports on (``names_something``), it sends the reader to buy one."""
    if not retail_product_page(url, page_url):
        return None
    if affiliate:
        return Verdict(False, "shop-affiliate", "a shop's product page; the page declares affiliate links")
    anchor = " ".join(link.anchor.split())
    if 1 <= len(anchor.split()) <= 4 and not names_something(anchor, link.context.strip()):
        return Verdict(False, "shop-affiliate", f"a shop's product page from a generic phrase '{anchor}'")
    return None


def _kind(url: str, found: str) -> tuple[str, str | None]:
    """The citation's kind (link, text, doi, archive) and, for an archived copy, its original."""
    if is_archive(url):
        return "archive", archived_original(url)
    if (urlsplit(url).hostname or "") in {"doi.org", "dx.doi.org"}:
        return "doi", None
    return ("link" if found == "href" else "text"), None


def in_code(ref: WrittenReference, code: Iterable[str]) -> bool:
    """The URL or DOI is written inside code (a code block, or inline code in a sentence): an
    example of the code (``curl https://api.test/v1``), not a source the text gives."""
    return any(ref.written in span and (span in ref.line or ref.line in span) for span in code)


def judge_page(links: Iterable[LinkCandidate], text: str, page_url: str, author: str | None = None,
               signals: frozenset[str] = SIGNALS, code: Iterable[str] = ()) -> PageCitations:
    """Citations and links not cited of a page, one entry per canonical URL, in reading order.
    ``code``: the text of the page's code blocks and inline code (``Extraction.code``)."""
    order: list[str] = []
    # key -> (url, anchor, verdict, found, the sentence around it)
    best: dict[str, tuple[str, str, Verdict, str, str]] = {}
    unfetchable: list[NotCited] = []
    linked: set[str] = set()

    def consider(url: str | None, anchor: str, verdict: Verdict, found: str, raw: str,
                 context: str) -> None:
        if url is None:
            unfetchable.append(NotCited(raw, anchor, verdict.describe()))
            return
        key = canonical_key(url)
        if key is None:
            return
        if found == "href":
            linked.add(key)
        previous = best.get(key)
        if previous is None:
            order.append(key)
            best[key] = (url, anchor, verdict, found, context)
        elif verdict.cited and not previous[2].cited:
            best[key] = (url, anchor, verdict, previous[3], context)

    links = list(links)
    code = [span for span in code if "http" in span or "10." in span]
    affiliate = "target" in signals and affiliate_disclosure(text)
    for link, run in zip(links, link_runs(links, text), strict=True):
        url, verdict = judge_link(link, page_url, author, signals, run)
        if "target" in signals and verdict.cited and url is not None:
            verdict = _shop_product(link, url, page_url, affiliate) or verdict
        if link.beside:
            verdict = Verdict(verdict.cited, verdict.reason,
                              f"{verdict.detail} (a table of the article the text extraction left out)")
        consider(url, link.anchor, verdict, "href", link.url, sentence_around(link.context, link.anchor))
    for ref in written_references(text):
        url = fetchable(ref.url)
        if url is None:
            continue
        if canonical_key(url) in linked:
            continue  # the link's own URL written as its anchor
        if "block" in signals and in_code(ref, code):
            consider(url, "", Verdict(False, "code", f"written in code, an example: {ref.written[:80]}"),
                     "text", ref.url, "")
            continue
        candidate = LinkCandidate(url=url, anchor="", context=ref.line, block="p", heading="",
                                  position=0.5, link_chars=len(ref.written), written=True)
        _, verdict = judge_link(candidate, page_url, None, signals - {"position"})
        if verdict.cited:
            verdict = Verdict(True, "bare-text" if ref.kind == "text" else "doi",
                              f"written out in the text: {ref.written[:80]}")
        consider(url, "", verdict, "text", ref.url, sentence_around(ref.line, ref.written))
    out = PageCitations(not_cited=unfetchable)
    for key in order:
        url, anchor, verdict, found, context = best[key]
        if verdict.cited:
            kind, original = _kind(url, found)
            out.cited.append(Citation(url, anchor, kind, original, found, verdict.describe(), context))
        else:
            out.not_cited.append(NotCited(url, anchor, verdict.describe()))
    return out
