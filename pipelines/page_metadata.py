"""Title, author, date and language of a page where trafilatura's own metadata leaves them empty.

trafilatura reads ``<meta>``, JSON-LD and htmldate itself, but a field it rejects or misses stays
empty; a fact-checker then has no byline or date to go on. This module fills such fields, and only
those, from the page's own statements in a fixed order of trust, and records where each value came
from (``metadata_sources``) so a reviewer can weigh it:

- title: JSON-LD ``headline`` (else ``name``) of the page's article object, then ``og:title``;
- author: JSON-LD ``author.name`` (or a list of them), cleaned of labels, dates and the
  publication's name, then the page's byline markup, a byline analytics ``<meta>`` and a written
  "By Jane Doe" line (``pipelines.byline``);
- date: JSON-LD ``datePublished`` (before trafilatura's own guess), then htmldate's
  ``find_date(original_date=True)``;
- language: ``<html lang>``, then the ``Content-Language`` header, then JSON-LD ``inLanguage``.

Pure functions over the already parsed tree; nothing here reads the network.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

# JSON-LD types that describe the page's own article (schema.org), best first.
_ARTICLE_TYPES = (
    "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "article",
    "blogposting", "socialmediaposting", "scholarlyarticle", "techarticle", "report", "posting",
    "webpage", "creativework",
)
_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*$")


@dataclass(frozen=True)
class LinkedData:
    """What a page's JSON-LD says about its article; empty strings where it says nothing."""

    title: str = ""
    author: str = ""
    date: str = ""
    language: str = ""
    body: str = ""  # articleBody as published (plain text or HTML), when the page has one
    author_is_organization: bool = False  # the author is a publisher, not a person's byline


@dataclass(frozen=True)
class PageHead:
    """What the metadata fill-ins read from the tree, gathered in one walk (each further walk of a
    large page costs about 0.2 ms, and this runs on every page)."""

    json_ld: tuple[str, ...] = ()  # the texts of ``<script type="application/ld+json">``
    titles: tuple[str, ...] = ()  # ``<title>`` then ``og:title``, whitespace squashed
    headings: tuple[str, ...] = ()  # the first ``<h1>`` texts, whitespace squashed
    home_headings: tuple[str, ...] = ()  # ``<h1>`` texts that are a link to a site's front page
    byline_metas: tuple[str, ...] = ()  # the byline as analytics tags state it (``_BYLINE_METAS``)


# <meta> names that carry the article's byline for analytics and recommendation services, apart
# from ``author`` (which many CMSs fill with the publisher): Piano/Cxense, Parse.ly, Sailthru, NYT-style.
_BYLINE_METAS = frozenset({"cxenseparse:author", "parsely-author", "sailthru.author", "byl"})


_FRONT_PAGE = re.compile(r"(?:^|https?://[^/]+)/?$")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphen, zero-width


def heading_text(element: Any) -> str:
    """An ``<h1>``'s text as a reader sees it: ``<style>``/``<script>`` inside it skipped, a ``<br>``
    read as a space ("WEEKEND<br>CODING"), a kicker marked by its class left out, soft hyphens and
    zero-width characters dropped, an entity escaped twice in the markup (``&amp;#x26;``) decoded,
    whitespace squashed."""
    parts = [element.text or ""]
    kicker = _walk_heading(element, parts)
    text = _INVISIBLE.sub("", "".join(parts))
    if "&" in text:
        text = html.unescape(text)
    text = " ".join(text.split())
    return text.lstrip(":|-\u2013\u2014 ") if kicker else text


def _walk_heading(element: Any, parts: list[str]) -> bool:
    """The text of ``element``'s children into ``parts``: a ``<br>`` is a space, ``<style>`` and
    ``<script>`` say nothing, a kicker (by its class) is left out when the heading says more.
    Returns whether a kicker was left out."""
    kicker = False
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            pass
        elif child.tag == "br":
            parts.append(" ")
        elif _KICKER_CLASS.search(child.get("class") or "") and _has_other_text(element, child):
            parts.append(" ")
            kicker = True
        elif child.tag not in ("style", "script"):
            parts.append(child.text or "")
            kicker = _walk_heading(child, parts) or kicker
        parts.append(child.tail or "")
    return kicker


# Class names that mark a kicker (a topic line set above or before the headline inside its <h1>:
# "<span class=kicker>Klimaschutz</span>: Bohren, bis es heiß wird"); the headline is the rest.
_KICKER_CLASS = re.compile(r"kicker|overline|topline|roofline|dachzeile|eyebrow|spitzmarke", re.I)


def _has_other_text(heading: Any, kicker: Any) -> bool:
    """Whether the heading says more than its kicker (a heading that is all kicker stays whole)."""
    whole = "".join(heading.itertext())
    return len(whole.strip()) > len("".join(kicker.itertext()).strip()) + 3


def _links_front_page(element: Any) -> bool:
    """Whether the heading is one link to a site's front page (a blog theme's site name in ``<h1>``)."""
    links = list(element.iter("a"))
    return len(links) == 1 and bool(_FRONT_PAGE.search((links[0].get("href") or "").strip())) and (
        " ".join("".join(links[0].itertext()).split()) == " ".join("".join(element.itertext()).split()))


def scan_page(tree: Any) -> PageHead:
    """One walk over the tree for its JSON-LD, ``<title>``, ``og:title``, byline ``<meta>`` and ``<h1>``
    elements."""
    if tree is None:
        return PageHead()
    scripts: list[str] = []
    title = og_title = ""
    metas: list[str] = []
    headings: list[str] = []
    home: list[str] = []
    try:
        for element in tree.iter("script", "title", "meta", "h1"):
            tag = element.tag
            if tag == "script":
                if (element.get("type") or "").strip().lower() == "application/ld+json" and element.text:
                    scripts.append(element.text)
            elif tag == "h1":
                if len(headings) < 6:
                    headings.append(heading_text(element))
                    if _links_front_page(element):
                        home.append(headings[-1])
            elif tag == "title":
                title = title or " ".join("".join(element.itertext()).split())
            else:
                key = element.get("property") or element.get("name") or ""
                if not og_title and key == "og:title":
                    og_title = " ".join((element.get("content") or "").split())
                elif key.lower() in _BYLINE_METAS and element.get("content"):
                    metas.append(" ".join(element.get("content").split()))
    except Exception:  # lxml on a hostile tree
        return PageHead()
    return PageHead(tuple(scripts), tuple(t for t in (title, og_title) if t), tuple(headings), tuple(home),
                    tuple(metas))


def read_json_ld(tree: Any, head: PageHead | None = None) -> LinkedData:
    """The page's article as its JSON-LD describes it (the best-typed object that has a title).
    ``head``: the page already scanned (``scan_page``)."""
    objects: list[dict[str, Any]] = []
    head = head if head is not None else scan_page(tree)
    for script in head.json_ld:
        text = script.strip()
        if not text:
            continue
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        _collect(data, objects, 0)
    best = _best_article(objects)
    if best is None:
        return LinkedData()
    author, organization = _authors(best.get("author"))
    body = best.get("articleBody")
    return LinkedData(
        title=_plain(best.get("headline")) or _plain(best.get("name")),
        author=author,
        author_is_organization=organization,
        date=_iso_date(_plain(best.get("datePublished"))),
        language=_language(best.get("inLanguage")),
        body=body.strip() if isinstance(body, str) else "",
    )


def _collect(node: Any, out: list[dict[str, Any]], depth: int) -> None:
    if depth > 6:
        return
    if isinstance(node, list):
        for child in node:
            _collect(child, out, depth + 1)
    elif isinstance(node, dict):
        if "@type" in node:
            out.append(node)
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(node.get(key), (list, dict)):
                _collect(node[key], out, depth + 1)


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return [str(k).lower() for k in kinds if k]


def _best_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    ranked = []
    for index, node in enumerate(objects):
        ranks = [_ARTICLE_TYPES.index(k) for k in _types(node) if k in _ARTICLE_TYPES]
        if ranks and (node.get("headline") or node.get("name")):
            ranked.append((min(ranks), index, node))
    return min(ranked, key=lambda r: (r[0], r[1]))[2] if ranked else None


def _plain(value: Any) -> str:
    """A JSON-LD string value as text: entities decoded (``&amp;`` is common), whitespace squashed."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _authors(value: Any) -> tuple[str, bool]:
    """``author`` as a name, an object with a name, or a list of either: names joined by "; ",
    and whether every one of them is an ``Organization`` (a publisher, not a byline)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    organizations = 0
    for item in items:
        name = _plain(item.get("name")) if isinstance(item, dict) else _plain(item)
        name = name.strip(" ,;|-")
        if name and not name.lower().startswith(("http://", "https://")) and name not in names:
            names.append(name)
            organizations += isinstance(item, dict) and "organization" in _types(item)
    return "; ".join(names), bool(names) and organizations == len(names)


def _iso_date(value: str) -> str:
    match = _DATE.match(value)
    return "-".join(match.groups()) if match else ""


def _language(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name") or ""
    value = _plain(value)
    return primary_subtag(value) if _LANG.match(value) else ""


def primary_subtag(tag: str) -> str:
    """``en-GB`` -> ``en``: the language without region or script."""
    return tag.split("-")[0].split("_")[0].lower()


def find_date(tree: Any, url: str | None) -> str:
    """htmldate's date of first publication (not the last update), or ''."""
    if tree is None:
        return ""
    try:
        from htmldate import find_date as htmldate_find  # noqa: PLC0415 - heavy import, worker only

        return htmldate_find(tree, url=url, original_date=True, extensive_search=True) or ""
    except Exception as exc:  # htmldate raises many kinds on odd pages
        logger.debug("htmldate failed on %s: %s", url, exc)
        return ""


def _language_from_text(fields: dict[str, str | None], sources: dict[str, str], text: str) -> None:
    from pipelines.text_language import contradicts, text_language  # noqa: PLC0415 - worker only

    declared = fields.get("language")
    if not declared:
        guess = text_language(text)
        if guess:
            fields["language"], sources["language"] = guess, "text"
        return
    wrong = contradicts(primary_subtag(declared), text)
    if wrong:
        fields["language"], sources["language"] = wrong, f"text, declared {declared}"


def fill_metadata(
    fields: dict[str, str | None], tree: Any, url: str | None, html_lang: str | None,
    content_language: str | None, sitename: str | None = None, linked: LinkedData | None = None,
    head: PageHead | None = None, text: str | None = None,
) -> dict[str, str]:
    """Complete ``title``/``author``/``date``/``language`` in ``fields`` (changed in place).

    ``fields`` holds trafilatura's values; returns the source of every non-empty field
    (``trafilatura``, ``h1``, ``title-trimmed``, ``json-ld``, ``byline``, ``htmldate``,
    ``html-lang``, ``content-language``). Three replace trafilatura's own value, on measured
    evidence (WCXB and trafilatura's labelled pages): the page's headline for the title
    (``headline``), the JSON-LD author when it is a person, which names the byline as the
    publisher states it (trafilatura's author cleaning splits "Jane Doe, Ph.D." and keeps site
    names), and the JSON-LD ``datePublished`` in ISO form (htmldate, inside trafilatura, more
    often takes the last update); a JSON-LD author that is an ``Organization`` only fills an empty
    field. Every author is cleaned (``byline.clean_author``) whatever its source. ``linked``, ``head``: the
    JSON-LD and the scan, if already done. ``text``: the extracted main text, whose words give the
    language when the page declares none (``text``) or plainly declares the wrong one
    (``text, declared xx``)."""
    sources = {name: "trafilatura" for name in ("title", "author", "date", "language") if fields.get(name)}
    if not fields.get("language"):
        if html_lang:
            fields["language"], sources["language"] = html_lang, "html-lang"
        elif content_language and _LANG.match(content_language.split(",")[0].strip()):
            fields["language"] = primary_subtag(content_language.split(",")[0].strip())
            sources["language"] = "content-language"
    head = head if head is not None else scan_page(tree)
    linked = linked if linked is not None else read_json_ld(tree, head)
    trafilatura_author = fields.get("author") or ""
    for name in ("title", "author", "date", "language"):
        value = getattr(linked, name)
        stated = (name == "author" and not linked.author_is_organization) or name == "date"
        if value and (not fields.get(name) or stated):
            fields[name], sources[name] = value, "json-ld"
    _settle_author(fields, sources, trafilatura_author, tree, sitename, _host(url), linked,
                   head.byline_metas)
    if text:
        _language_from_text(fields, sources, text)
    if tree is not None:
        titles, headings = list(head.titles), list(head.headings)
        if linked.title:
            titles.append(linked.title)
        before = fields.get("title")
        title = headline(before, titles, headings, sitename, _host(url), head.home_headings)
        title = ungarbled(drop_trailing_label(drop_leading_date(title)), titles) if title else title
        if title and title != before:
            fields["title"] = title
            sources["title"] = "h1" if title in headings else "title-trimmed"
    if not fields.get("date"):
        date = find_date(tree, url)
        if date:
            fields["date"], sources["date"] = date, "htmldate"
    return sources


def _settle_author(fields: dict[str, str | None], sources: dict[str, str], trafilatura_author: str,
                   tree: Any, sitename: str | None, host: str, linked: LinkedData,
                   byline_metas: tuple[str, ...] = ()) -> None:
    """The author cleaned of labels, dates and the publication's name (``byline.clean_author``);
    trafilatura's own value when the JSON-LD one cleans to nothing (a login name); the page's byline
    markup (``byline``) when that leaves no author, or only the publisher's name and the page marks
    a person up explicitly as its author (microdata, rel="author", a link to an author page, a class
    naming the author's name), then the byline an analytics ``<meta>`` states (``byline_metas``),
    then a written "By Jane Doe" line.

    Also: trafilatura's author that is the JSON-LD organization's name cut at "and" ("Center;
    Research") is that name whole; a login name ("arianschlichenmayer") or a name with words glued
    after it ("Liz Kenny Former McKinsey Consultant") gives way to the byline markup's name it
    spells."""
    from pipelines.byline import clean_author, find_byline, find_written_byline, is_publisher  # noqa: PLC0415

    author = clean_author(fields.get("author"), sitename, host)
    if not author and sources.get("author") == "json-ld" and trafilatura_author:
        author = clean_author(trafilatura_author, sitename, host)
        if author:
            sources["author"] = "trafilatura"
    if author and sources.get("author") == "trafilatura" and linked.author_is_organization:
        pieces = [_norm(name) for name in author.split("; ")]
        whole = _norm(linked.author)
        if len(pieces) > 1 and all(piece in whole for piece in pieces):
            author, sources["author"] = linked.author, "json-ld"
    publisher = bool(author) and all(is_publisher(name, sitename) for name in author.split("; "))
    if not author or publisher:
        found = clean_author(find_byline(tree, explicit_only=publisher), sitename, host)
        if not found or is_publisher(found, sitename, host):
            found = next((name for name in (clean_author(m, sitename, host) for m in byline_metas)
                          if name and not is_publisher(name, sitename, host)), found)
        if not found and not author:
            found = clean_author(find_written_byline(tree), sitename, host)
        if found and not is_publisher(found, sitename, host):
            author, sources["author"] = found, "byline"
    elif _respelled(author):
        found = clean_author(find_byline(tree), sitename, host)
        if found and _spells(author, found):
            author, sources["author"] = found, "byline"
    if author:
        fields["author"] = author
    else:
        fields["author"] = None
        sources.pop("author", None)


def _respelled(author: str) -> bool:
    """Whether the author may be a login or a name with words glued after it (one name only: a
    single lower-case word, or five words or more)."""
    if ";" in author:
        return False
    words = author.split()
    return (len(words) == 1 and author.islower()) or len(words) >= 5


def _spells(author: str, name: str) -> bool:
    """Whether ``name`` is what ``author`` means: the same letters without spaces (a login), or its
    first words (the rest glued on)."""
    squashed = re.sub(r"\W", "", name.lower())
    if " " not in author:
        return squashed == author.lower()
    return author.lower().startswith(name.lower() + " ") and ";" not in name


# Separators between a headline and the site's name in a <title>: "Headline | Site", "Site - Headline".
_SEPARATOR = r"\s(?:[|\-\u2013\u2014\u203a\u00bb:\u00b7\u2022/]|::)\s"
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-\u2013\u2014\u203a\u00bb:\u00b7\u2022/]|::)\s+")
_SEPARATOR_FIRST = re.compile("^" + _SEPARATOR)
_SEPARATOR_LAST = re.compile(_SEPARATOR + "$")


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def ungarbled(title: str, page_titles: list[str]) -> str:
    """A headline whose characters were lost to "?" (a wrong charset in the publisher's own markup:
    "Event Planning? Beginner? Guide") given as the page title that reads the same elsewhere
    ("Event Planning: Beginner's Guide")."""
    if "?" not in title or not page_titles:
        return title
    pattern = re.compile(r"\?".join(re.escape(p) for p in title.split("?")).replace(r"\?", ".{1,2}"), re.I)
    for candidate in [p for t in page_titles for p in (t, *_TITLE_SEPARATORS.split(t))]:
        if candidate != title and "?" not in candidate and pattern.fullmatch(candidate):
            return candidate
    return title


def drop_trailing_label(title: str) -> str:
    """"Headline | Opinion", "Headline | Top 19 Companies": a headline of three or more words followed
    by " | " and short parts (four words at most: a section, a site, a teaser) is the headline alone.
    A pipe is not punctuation inside a headline; longer parts after it are kept (a real subtitle)."""
    parts = [p for p in title.split(" | ")]
    if len(parts) > 1 and len(parts[0].split()) >= 3 and all(len(p.split()) <= 4 for p in parts[1:]):
        return parts[0].strip()
    return title


_LEADING_DATE = re.compile(
    r"^(?:\d{1,2}[./]\d{1,2}[./]\d{2,4}|\d{4}-\d{2}-\d{2})\s+[|\-\u2013\u2014:]\s+(?=\S)")


def drop_leading_date(title: str) -> str:
    """"23.01.2022 - Wierer darf noch jubeln": a date set before the headline as its own part is the
    page's date, not a word of the headline."""
    return _LEADING_DATE.sub("", title)


def uncut(title: str, page_titles: list[str]) -> str:
    """A title that stops where another of the page's titles goes on with a quotation mark
    ('Senador califica a Biden de' beside 'Senador califica a Biden de "incapacitado"'): the
    publisher's unescaped quote ended the ``content`` attribute, so the longer title is the whole."""
    stem = title.rstrip()
    for other in page_titles:
        rest = other[len(stem):].lstrip() if other.startswith(stem) else ""
        if stem and rest[:1] in ('"', "\u201c", "\u201e", "\u00ab", "'"):
            return other
    return title


_SEPARATOR_CHARS = " |-\u2013\u2014\u203a\u00bb:\u00b7\u2022/"
_GLUED_SEPARATOR = re.compile(r"(?<=\s)([:|])(?=\w)")
_DATELINE = re.compile(r"^(?:posted|published|updated|by|von|am|on)\b", re.I)


def _kicker_free(candidates: list[str], titles: list[str], is_site: Any) -> str | None:
    """A page title (or a part of one) of two words or more that an ``<h1>`` holds whole with more
    words around it: a kicker before it ("Auftragshoch bei FACC : Headline") or a dateline after it
    ("Headline Posted on July 1, 2024 by ..."). Not when the other words are themselves a part of
    the same title (the ``<h1>`` is the whole title without its separator), nor when they are only
    digits, nor an ending that is no dateline (a title shortened from its ``<h1>``)."""
    found: list[str] = []
    for heading in candidates:
        # "Direktion :Impfen ..." (a hidden colon span glued to the next word) reads "Direktion: Impfen"
        norm = _GLUED_SEPARATOR.sub(r"\1 ", _norm(heading)).strip(_SEPARATOR_CHARS)
        for title in titles:
            parts = [p for p in _TITLE_SEPARATORS.split(title) if p] if title else []
            segments = {_norm(p) for p in parts}
            for piece in {title, *parts}:
                short = _norm(piece)
                if len(short.split()) < 2 or short == norm or is_site(piece):
                    continue
                if norm.endswith(" " + short):
                    labelled = norm[: -len(short)].rstrip().endswith(":")  # "Headline: ...", "Video: ..."
                    rest = norm[: -len(short)].strip(_SEPARATOR_CHARS)
                elif norm.startswith(short + " "):
                    labelled = False
                    rest = norm[len(short):].strip(_SEPARATOR_CHARS)
                    if not _DATELINE.match(rest):
                        continue
                else:
                    continue
                if rest in segments or len(re.findall(r"[^\W\d_]{2,}", rest)) < 2 - labelled:
                    continue
                found.append(piece.strip())
    return max(found, key=lambda p: (len(p), p)) if found else None


def headline(
    title: str | None, page_titles: list[str], headings: list[str], sitename: str | None, host: str = "",
    site_headings: tuple[str, ...] = (),
) -> str | None:
    """The article's own headline rather than the ``<title>`` with the site's name around it.

    A reader's title is the headline shown on the page; ``<title>`` and ``og:title`` often add
    "| Site" or "Site - ". ``page_titles`` are ``<title>``, ``og:title`` and JSON-LD's headline;
    ``headings`` the page's ``<h1>`` texts in order; ``host`` the page's host name. A text is the
    site's name when it is ``sitename`` or most of its words are in ``host`` (a blog's ``<h1>``).
    Evidence, in order:
    1. an ``<h1>`` that the page's titles contain (the headline without its site name);
    2. the page's ``<h1>`` when there is one and it shares most of its words with a title (the
       same headline, reworded for search engines);
    3. a title that another, longer one contains (``og:title`` inside ``<title>``);
    4. a title split at " | ", " - " ... with the site's name (or trafilatura's pick of it) dropped;
       trafilatura's own title replaced by ``<title>`` when the two share no word at all;
    5. trafilatura's title as it was."""
    title = uncut(title, page_titles) if title else title
    site = _norm(sitename or "")
    longest = [max(_TITLE_SEPARATORS.split(t), key=len) for t in page_titles if _TITLE_SEPARATORS.search(t)]
    if site and site in map(_norm, headings) and any(_norm(p) == site for p in longest):
        site = ""  # the "site name" is the <h1> and the headline part of the <title>: a wrong og:site_name
    # a heading linking to the front page is the site's name when the <title> has it as one part
    home = {_norm(h) for h in site_headings} & {s for t in page_titles for s in _segments(t)}

    def is_site(text: str) -> bool:
        norm = _norm(text)
        if site and norm != site and site in norm:
            return False  # the site's name and more words: "15 Jahre rete-mirabile.net" is a headline
        return norm == site or norm in home or _names_host(text, host)

    titles = [t for t in page_titles if t] or ([title] if title else [])
    candidates = [h for h in headings if 3 <= len(_norm(h)) <= 300 and not is_site(h)]
    contained = [h for h in candidates if any(_norm(h) in _norm(t) for t in titles)]
    base = title or (titles[0] if titles else "")
    if contained:
        best = max(contained, key=len)
        if not (base and _norm(best) in _segments(base) and _norm(best) != _norm(base)
                and not is_site(base) and _norm(base) not in map(_norm, headings)
                and not all(is_site(s) for s in _segments(base) - {_norm(best)})):
            return best.strip()
    kicker_free = _kicker_free(candidates[:1], titles, is_site)
    if kicker_free:
        return kicker_free
    distinct = {_norm(h) for h in candidates}
    if len(distinct) == 1 and any(_overlap(candidates[0], t) >= 0.5 for t in titles):
        return candidates[0].strip()
    inner = [t for t in titles if not is_site(t) and len(t.split()) >= 2
             and any(_framed(t, o) for o in titles)]
    if inner:
        return max(inner, key=len).strip()
    if not base:
        return None
    if is_site(base) or _norm(base) in {_norm(h) for h in headings} & {
        s for t in titles for s in _segments(t)
    }:
        # trafilatura took the site's name (a blog's <h1>): the other part of <title> is the headline
        rest = [s for t in titles for s in _TITLE_SEPARATORS.split(t)
                if _norm(s) != _norm(base) and not is_site(s)]
        return max(rest, key=len).strip() if rest else base
    if titles and not any(_overlap(base, t) for t in titles):
        base = titles[0]  # trafilatura's title (a category, a teaser) is none of the page's titles
    parts = _TITLE_SEPARATORS.split(base)
    site_like = any(is_site(p) for p in parts) or len(parts[-1].split()) <= 3 or len(parts[0].split()) <= 2
    if len(parts) > 1 and site_like:
        kept = [p for p in parts if not is_site(p)]
        return max(kept, key=len).strip() if kept else base
    return base


def _host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:  # a malformed URL (bad IPv6 literal, port)
        return ""


def _names_host(text: str, host: str) -> bool:
    """Whether most of ``text``'s words (3+ letters) are in the host name: "Krimiblog-Archiv" on
    archiv.krimiblog.de, "Damian Duchamps' Blog" on damianduchamps.wordpress.com."""
    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 3]
    squashed = re.sub(r"\W", "", host.lower())
    if not words or not squashed:
        return False
    return 3 * sum(w in squashed for w in words) >= 2 * len(words)


def _overlap(heading: str, title: str) -> float:
    """Share of the heading's words that the title has too."""
    words = set(re.findall(r"\w+", heading.lower()))
    return len(words & set(re.findall(r"\w+", title.lower()))) / len(words) if words else 0.0


def _framed(inner: str, outer: str) -> bool:
    """Whether ``outer`` is ``inner`` with a separated part before or after it ("X | Site")."""
    short, long = _norm(inner), _norm(outer)
    if not short or short == long:
        return False
    if long.startswith(short):
        return bool(_SEPARATOR_FIRST.match(long[len(short):]))
    before = long[: -len(short)]
    # "Blog name: Post title" (a colon with no space before it) frames a title as " | " does
    return long.endswith(short) and bool(_SEPARATOR_LAST.search(before) or before.endswith(": "))


def _segments(text: str) -> set[str]:
    parts = _TITLE_SEPARATORS.split(text)
    return {_norm(p) for p in parts} if len(parts) > 1 else set()
