"""Title, author, date and language of a page where trafilatura's own metadata leaves them empty.

trafilatura reads ``<meta>``, JSON-LD and htmldate itself, but a field it rejects or misses stays
empty; a fact-checker then has no byline or date to go on. This module fills such fields, and only
those, from the page's own statements in a fixed order of trust, and records where each value came
from (``metadata_sources``) so a reviewer can weigh it:

- title: JSON-LD ``headline`` (else ``name``) of the page's article object, then ``og:title``;
- author: JSON-LD ``author.name`` (or a list of them);
- date: JSON-LD ``datePublished``, then htmldate's ``find_date(original_date=True)``;
- language: ``<html lang>``, then the ``Content-Language`` header, then JSON-LD ``inLanguage``.

Pure functions over the already parsed tree; nothing here reads the network.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

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
    body: str = ""  # articleBody, when the page publishes it


def read_json_ld(tree: Any) -> LinkedData:
    """The page's article as its JSON-LD describes it (the best-typed object that has a title)."""
    objects: list[dict[str, Any]] = []
    if tree is None:
        return LinkedData()
    try:
        scripts = tree.xpath('.//script[@type="application/ld+json"]')
    except Exception:  # lxml on a hostile tree
        return LinkedData()
    for script in scripts:
        text = (script.text or "").strip()
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
    return LinkedData(
        title=_plain(best.get("headline")) or _plain(best.get("name")),
        author=_authors(best.get("author")),
        date=_iso_date(_plain(best.get("datePublished"))),
        language=_language(best.get("inLanguage")),
        body=_plain(best.get("articleBody")),
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
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _authors(value: Any) -> str:
    """``author`` as a name, an object with a name, or a list of either: names joined by "; "."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = _plain(item.get("name")) if isinstance(item, dict) else _plain(item)
        if name and not name.lower().startswith(("http://", "https://")) and name not in names:
            names.append(name)
    return "; ".join(names)


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


def fill_metadata(
    fields: dict[str, str | None], tree: Any, url: str | None, html_lang: str | None,
    content_language: str | None,
) -> dict[str, str]:
    """Fill empty ``title``/``author``/``date``/``language`` in ``fields`` (changed in place).

    ``fields`` holds trafilatura's values; returns the source of every non-empty field
    (``trafilatura``, ``json-ld``, ``htmldate``, ``html-lang``, ``content-language``). The JSON-LD
    is read only when a field is missing, so the common page pays nothing."""
    sources = {name: "trafilatura" for name in ("title", "author", "date", "language") if fields.get(name)}
    if not fields.get("language"):
        if html_lang:
            fields["language"], sources["language"] = html_lang, "html-lang"
        elif content_language and _LANG.match(content_language.split(",")[0].strip()):
            fields["language"] = primary_subtag(content_language.split(",")[0].strip())
            sources["language"] = "content-language"
    missing = [name for name in ("title", "author", "date", "language") if not fields.get(name)]
    if not missing:
        return sources
    linked = read_json_ld(tree)
    for name in missing:
        value = getattr(linked, name)
        if value:
            fields[name], sources[name] = value, "json-ld"
    if not fields.get("date"):
        date = find_date(tree, url)
        if date:
            fields["date"], sources["date"] = date, "htmldate"
    return sources
