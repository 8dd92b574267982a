"""A page's author as a reader would name it: the byline cleaned of what sits around the name.

trafilatura and a page's JSON-LD give the author as the page marks it up, and the markup often
carries more than the name: a label ("Author", "Written by", "View all posts by"), the date printed
after it ("ServiceTitan November"), the publication after a comma ("Jane Doe, The Daily Paper"), a
CMS placeholder ("Admin", "Name", "No Author") or a login name ("jane.doe"). A fact-checker wants the
person. :func:`clean_author` strips those by general patterns; :func:`find_byline` reads the page's
own byline markup (a link to an author page, ``itemprop="author"``, ``rel="author"``) when there is
no author or only the publisher's name.

Pure functions over strings and the already parsed tree; nothing here reads the network.
"""

from __future__ import annotations

import re
from typing import Any

# Words that label a byline rather than name anyone, at its start (longest first).
_LABELS = re.compile(
    r"^(?:view all posts by|zeige alle beiträge von|alle beiträge von|"
    r"(?:more )?(?:posts|articles|stories) by|posted by|written by|reviewed by|"
    r"geschrieben von|artikel von|alles von|mehr von|more from|"
    r"autor(?:in|en)?:?|authors?:?|by|von|vom|por|par)\s+",
    re.I,
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "januar|februar|märz|mai|juni|juli|oktober|dezember"
)
# A date or an update notice glued after the name: "Jane Doe February 8", "Jane Doe Last Updated ...",
# "ServiceTitan November". A month ends a name only when a day follows or it is not also a first name.
_TRAILING_DATE = re.compile(
    rf"\s+(?:(?:last\s+)?updated\b|published\b|stand\b|(?:on|am)\s+(?:\d|(?:{_MONTHS})\b)"
    rf"|(?:{_MONTHS})\.?\s+\d|(?!may\b|june\b|august\b|april\b)(?:{_MONTHS})\.?$|\d{{1,2}}[./]\s*\d).*$",
    re.I,
)
# The author page's link text glued after the name: "Johanna Kropfitsch Alle Artikel".
_TRAILING_LINK = re.compile(
    r"\s+(?:alle (?:artikel|beiträge)|all (?:posts|articles|stories)|(?:view|see) (?:all|profile)|"
    r"more (?:posts|articles))$", re.I)
# Texts that sit where a name should be but name nobody.
_PLACEHOLDERS = re.compile(
    rf"^(?:admin|administrator|name|no author|the author|unknown|anonymous|datum|date|author|autor|"
    rf"(?:{_MONTHS})\.?)$",
    re.I,
)
_LOGIN = re.compile(r"^[a-z0-9_]+[._][a-z0-9_.]+$")  # jane.doe, jane_doe: a login, not a byline
_NAME = re.compile(r"^[^\W\d_][\w'’.\- ]{1,60}$")


def clean_author(author: str | None, sitename: str | None = None, host: str = "") -> str:
    """The byline's names without labels, dates, the publication's name or placeholders ('' if none).

    ``author``: names separated by "; " (trafilatura's and the JSON-LD reader's form); ``sitename``,
    ``host``: the page's publisher, whose name after a comma or a dash is not the author's."""
    names: list[str] = []
    for part in (author or "").split(";"):
        name = _clean_name(part, sitename, host)
        if name and name not in names:
            names.append(name)
    if len(names) > 1:  # beside a name, seven words or more are a sentence ("... Network on Facebook")
        names = [name for name in names if len(name.split()) <= 6] or names
    return "; ".join(names)


def _clean_name(text: str, sitename: str | None, host: str) -> str:
    name = " ".join(text.split()).strip(" ,|-–—:")
    previous = None
    while name != previous:
        previous = name
        name = _LABELS.sub("", name).strip(" ,|-–—:")
    name = _TRAILING_DATE.sub("", " " + name).strip(" ,|-–—:")
    name = _TRAILING_LINK.sub("", name)
    if not name:  # the part was a date alone ("On December 9")
        return ""
    # "Jane Doe, The Daily Paper", "Jane Doe - Paper Editorial Team": the publication added to the name
    pieces = re.split(r"(\s*,\s+|\s+[-–—|]\s+)", name)
    if len(pieces) > 2 and is_publisher(pieces[-1], sitename, host):
        name = "".join(pieces[:-2])
    if _PLACEHOLDERS.match(name) or _LOGIN.match(name):
        return ""
    return name


_SITE_PARTS = re.compile(r"\s+[|\-\u2013\u2014:\u00b7\u2022]\s+")


def is_publisher(name: str, sitename: str | None, host: str = "") -> bool:
    """Whether ``name`` is the site's own name (its ``sitename``, an editorial team, or, given
    ``host``, most of its words in the host name) rather than a person's. A blog named after its
    author matches the host, so only the cleaning of a trailing part asks about the host."""
    norm = " ".join(name.lower().split())
    if not norm:
        return False
    if sitename and norm in {" ".join(part.lower().split()) for part in _SITE_PARTS.split(sitename)} | {
            " ".join(sitename.lower().split())}:
        return True  # the site's name, or one part of it ("Achtsam durch die Krise | Die FURCHE")
    if re.search(r"\b(?:team|staff|redaktion|editorial)$", norm):
        return True
    words = [w for w in re.findall(r"\w+", norm) if len(w) >= 3]
    squashed = re.sub(r"\W", "", host.lower())
    return bool(words and squashed) and 3 * sum(w in squashed for w in words) >= 2 * len(words)


# Byline markup, in one pass over the tree (each further pass over a large page costs about 0.4 ms):
# schema.org microdata, rel="author", links to an author's page, and elements whose class names an
# author or a byline (not a comment's). Ranked in that order afterwards.
_BYLINE_XPATH = (
    "//@itemprop[. = 'author']/.. | //a[@rel = 'author' or contains(@href, '/author/')"
    " or contains(@href, '/authors/')] | //@class[contains(., 'author') or contains(., 'byline')]/.."
)
# A class that names the author's name itself ("author-name", "author__name", "byline-author"), not a
# box or a section around it: as explicit as microdata about which text is the name.
_NAME_CLASS = re.compile(r"(?:author|byline)[-_]*name|byline[-_]+author", re.I)


def _rank(element: Any) -> int:
    """0: microdata or rel="author"; 1: a link to an author page; 2: a class naming the author's
    name; 3: another author-named class."""
    if element.get("itemprop") == "author" or element.get("rel") == "author":
        return 0
    href = element.get("href") or ""
    if element.tag == "a" and ("/author/" in href or "/authors/" in href):
        return 1
    return 2 if _NAME_CLASS.search(element.get("class") or "") else 3


def find_byline(tree: Any, explicit_only: bool = False) -> str:
    """The first name the page's byline markup gives, or ''. Only names that look like a person's
    (two to four words, a capital letter first, no digits) count: author links in menus and
    footers say "All authors" or "Meet the team", author boxes hold a biography.
    Several names ("Moses Kim and Kate Shokurova") come back joined by "; ", a name with a short
    credential after a comma ("Tracy Parker, Dietitian") as printed.
    ``explicit_only``: microdata, rel="author", author-page links and classes naming the author's
    name only (enough evidence to put a person in place of a publisher's name)."""
    if tree is None:
        return ""
    try:
        elements = tree.xpath(_BYLINE_XPATH)
    except Exception:  # lxml on a hostile tree
        return ""
    ranked = sorted(((_rank(e), n, e) for n, e in enumerate(elements[:60])), key=lambda r: (r[0], r[1]))
    for rank, _, element in ranked:
        if rank >= 2 and "comment" in (element.get("class") or ""):
            continue
        if rank == 3 and explicit_only:
            continue
        names = element.xpath(".//*[@itemprop = 'name']") if rank == 0 else []
        for text in [t for e in names for t in _texts(e)] + _texts(element):
            text = _LABELS.sub("", text).strip(" ,|-–—:·")
            found = _names_in(text)
            if found:
                return found
    return ""


_NAME_LIST = re.compile(r"\s*,\s*(?:and\s+|und\s+)?|\s+(?:and|und|&)\s+")


def _names_in(text: str) -> str:
    """``text`` as a byline: one name, several names ("A, B and C" -> "A; B; C"), or a name with a
    credential of one to three words after a comma ("Tracy Parker, Dietitian"); '' if none."""
    if looks_like_name(text):
        return text
    parts = [p for p in _NAME_LIST.split(text) if p]
    if len(parts) > 1 and all(looks_like_name(p) for p in parts):
        return "; ".join(parts)
    name, _, credential = text.partition(", ")
    if looks_like_name(name) and 1 <= len(credential.split()) <= 3 and "," not in credential:
        return text
    return ""


def _texts(element: Any) -> list[str]:
    """The element's whole text, then each of its text pieces (an author box: name, role, biography)."""
    whole = " ".join("".join(element.itertext()).split())
    if len(whole) <= 60:
        return [whole]
    return [" ".join(t.split()) for t in element.itertext() if 3 <= len(t.strip()) <= 60][:8]


def looks_like_name(text: str) -> bool:
    """Two to four words, each beginning with a capital letter (particles such as "van", "de" allowed)."""
    if not _NAME.match(text) or _PLACEHOLDERS.match(text):
        return False
    words = text.split()
    if not 2 <= len(words) <= 4:
        return False
    capitalised = [w for w in words if w[0].isupper()]
    return len(capitalised) >= 2 and words[0][0].isupper() and words[-1][0].isupper()


# A byline written out in the text rather than marked up: "Written by John Crenshaw", "Von Claudia
# Lindner", "Por Agencia EFE", "Autoren Jelko Djuren und Jutta Klaukien" (an element whose text begins
# with the label; the name may follow in a link, so the element's whole text is read).
_WRITTEN = re.compile(r"\s*(?:by|written by|posted by|von|por|par|autor(?:in|en)?:?|author:?)\s", re.I)
_NOT_TEXT = frozenset({"script", "style", "a", "noscript", "template"})


def find_written_byline(tree: Any) -> str:
    """The first "By Jane Doe" line of the page's body, or '': the label and then names only (a short
    line), so "by the way" or "von der Leyen sagte ..." are not taken for a byline. One pass over the
    body's elements in Python (about 1.2 ms on a large page; lxml's XPath with EXSLT regular
    expressions took 2.3), made only when no other source names an author."""
    if tree is None:
        return ""
    body = tree.find("body") if tree.tag == "html" else tree
    found_lines = 0
    try:
        for element in (body if body is not None else tree).iter():
            tag = element.tag
            if not isinstance(tag, str):
                continue
            text = element.text
            if not text or tag in _NOT_TEXT or not _WRITTEN.match(text):
                continue  # (a "Von ..." after a <br> is as often a book's authors in a box: not read)
            whole = " ".join("".join(element.itertext()).split())
            line = whole if len(whole) <= 80 else " ".join(text.split())
            found_lines += 1
            name = _names_in(_LABELS.sub("", line).strip(" ,|-–—:·"))
            if name and name.lower() != line.lower():
                return name
            if found_lines >= 20:
                break
    except Exception:  # lxml on a hostile tree
        return ""
    return ""
