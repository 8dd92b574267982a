"""The extractors citewarc tries, in order, when trafilatura's main pass finds no main text.

trafilatura runs its own fallbacks inside ``extract`` but never says which one won, and a page it
gives up on has no text at all. citewarc drives the cascade itself so that every page with an
article yields text and the text JSON can say which path produced it (``extraction_path``):

1. ``trafilatura``: the main call (XML with links, tables, metadata; balanced), in ``extract.py``;
2. ``trafilatura-recall``: the same call with ``favor_recall``;
3. ``trafilatura-baseline``: trafilatura's baseline (JSON-LD ``articleBody``, else ``<p>`` text);
4. ``readability``: trafilatura's bundled readability; its output is HTML, so links are kept and
   citations still work;
5. ``justext``: jusText through trafilatura, with its stoplists.

Each step here returns trafilatura-style XML (``<doc><main>`` with ``p``/``head``/``item``/
``quote``/``cell`` blocks and ``<ref target>`` links), which ``parse_trafilatura_xml`` reads like
the main pass's output. Steps 3-5 use trafilatura's internal functions (``baseline``,
``external.try_readability``, ``external.try_justext``, ``baseline.basic_cleaning``), measured on
trafilatura ``PINNED_TRAFILATURA``: if a later version moves them, the step is skipped (logged once),
never an error.

Steps 1 and 2 call ``main_pass_xml``: ``trafilatura.extract``'s XML without the content
fingerprint (a simhash of the text, ~3.5 ms a page, written into an attribute nobody reads).
``trafilatura.extract`` is ``bare_extraction``, that fingerprint, then ``determine_returnstring``;
``main_pass_xml`` makes the first and last of those calls with the same ``Extractor`` options, so
the XML is the same but for the missing attribute. When trafilatura moves either internal, it
calls ``trafilatura.extract`` as before.
"""

from __future__ import annotations

import importlib
import logging
from copy import deepcopy
from typing import Any
from urllib.parse import urljoin

from lxml import etree

logger = logging.getLogger(__name__)

PINNED_TRAFILATURA = "2.3.1"  # the version whose internal functions steps 3-5 were written against

# HTML block elements of a fallback's output -> trafilatura's XML block tags.
_HTML_BLOCKS = {
    "p": "p", "h1": "head", "h2": "head", "h3": "head", "h4": "head", "h5": "head", "h6": "head",
    "li": "item", "dt": "item", "dd": "item", "blockquote": "quote", "pre": "code",
    "td": "cell", "th": "cell", "figcaption": "p", "caption": "p",
}
# Containers whose own loose text is a paragraph of its own (a block boundary, not inline markup).
_CONTAINERS = {"div", "section", "article", "main", "body", "html", "ul", "ol", "dl", "table", "tbody",
               "thead", "tfoot", "tr", "header", "footer", "aside", "figure", "form", "center"}
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "button", "select", "head", "title"}

_warned: set[str] = set()


def _internal(module: str, name: str) -> Any:
    """A trafilatura internal, or None (warned once) when this version no longer has it."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        if name not in _warned:
            _warned.add(name)
            logger.warning("trafilatura has no %s.%s (written for %s): that fallback is skipped",
                           module, name, PINNED_TRAFILATURA)
        return None


# trafilatura.extract's keyword arguments -> the Extractor's (what extract() itself passes on)
_EXTRACTOR_ARGUMENTS = {
    "output_format": "output_format", "fast": "fast", "favor_precision": "precision",
    "favor_recall": "recall", "include_comments": "comments", "include_tables": "tables",
    "include_images": "images", "include_links": "links", "with_metadata": "with_metadata",
}


def main_pass_xml(source: Any, url: str, arguments: dict[str, Any]) -> str | None:
    """``trafilatura.extract(source, url=url, **arguments)`` without the unused content fingerprint."""
    import trafilatura  # noqa: PLC0415 - the worker's import, not the parent's

    render = _internal("trafilatura.core", "determine_returnstring")
    extractor = _internal("trafilatura.settings", "Extractor")
    if render is None or extractor is None or not set(arguments) <= set(_EXTRACTOR_ARGUMENTS):
        return trafilatura.extract(source, url=url, **arguments)
    options = extractor(url=url, **{_EXTRACTOR_ARGUMENTS[name]: value for name, value in arguments.items()})
    document = trafilatura.bare_extraction(source, options=options)
    return render(document, options) if document is not None else None


def baseline_xml(tree: Any) -> str | None:
    """trafilatura's baseline: the page's JSON-LD ``articleBody`` or its ``<p>`` text."""
    baseline = _internal("trafilatura.baseline", "baseline")
    if baseline is None or tree is None:
        return None
    body, text, _ = baseline(deepcopy(tree))
    if not (text or "").strip():
        return None
    return _doc_xml(_paragraphs(body))


def readability_xml(tree: Any, url: str | None) -> str | None:
    """trafilatura's bundled readability; its HTML keeps the links (made absolute against ``url``)."""
    try_readability = _internal("trafilatura.external", "try_readability")
    if try_readability is None or tree is None:
        return None
    summary = try_readability(deepcopy(tree))
    if summary is None or not "".join(summary.itertext()).strip():
        return None
    return html_to_doc_xml(summary, url or "")


def justext_xml(tree: Any, url: str | None, language: str | None) -> str | None:
    """jusText through trafilatura (its stoplist for ``language``, else all of them)."""
    try_justext = _internal("trafilatura.external", "try_justext")
    basic_cleaning = _internal("trafilatura.baseline", "basic_cleaning")
    if try_justext is None or basic_cleaning is None or tree is None:
        return None
    body = try_justext(basic_cleaning(deepcopy(tree)), url, language)
    return _doc_xml(_paragraphs(body))


def _paragraphs(body: Any) -> list[str]:
    if body is None:
        return []
    texts = (" ".join("".join(child.itertext()).split()) for child in body)
    return [text for text in texts if text]


def _doc_xml(paragraphs: list[str]) -> str | None:
    if not paragraphs:
        return None
    doc = etree.Element("doc")
    main = etree.SubElement(doc, "main")
    for text in paragraphs:
        etree.SubElement(main, "p").text = text
    return etree.tostring(doc, encoding="unicode")


def html_to_doc_xml(element: Any, base_url: str) -> str | None:
    """An HTML fragment as trafilatura-style XML: one block per paragraph, heading, list item,
    quote or cell; nested blocks merged into the outer one; ``<a href>`` as ``<ref target>``."""
    main = etree.Element("main")
    _Converter(main, base_url).walk(element, None)
    for block in list(main):
        if not "".join(block.itertext()).strip():
            main.remove(block)
    if not len(main):
        return None
    doc = etree.Element("doc")
    doc.append(main)
    return etree.tostring(doc, encoding="unicode")


class _Converter:
    """Walks HTML and writes blocks; loose text in a container opens a paragraph of its own."""

    def __init__(self, main: etree._Element, base_url: str) -> None:
        self.main = main
        self.base_url = base_url
        self.loose: etree._Element | None = None  # the open paragraph of loose text, if any

    def walk(self, node: Any, sink: etree._Element | None) -> None:
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag in _SKIP or not tag:
            return
        inner = sink
        if sink is None and tag in _HTML_BLOCKS:
            self.loose = None
            inner = etree.SubElement(self.main, _HTML_BLOCKS[tag])
        elif sink is not None and tag == "br":
            etree.SubElement(sink, "lb")
        elif tag == "a" and node.get("href") and (sink is None or sink.tag != "ref"):
            href = node.get("href", "").strip()
            if not href.lower().startswith(("javascript:", "#", "mailto:")):
                inner = etree.SubElement(sink if sink is not None else self._open_loose(), "ref",
                                         target=urljoin(self.base_url, href))
        elif sink is None and tag in _CONTAINERS:
            self.loose = None
        self._text(node.text, inner)
        for child in node:
            self.walk(child, inner)
            self._text(child.tail, inner)
        if sink is None and (tag in _HTML_BLOCKS or tag in _CONTAINERS):
            self.loose = None

    def _open_loose(self) -> etree._Element:
        if self.loose is None:
            self.loose = etree.SubElement(self.main, "p")
        return self.loose

    def _text(self, text: str | None, sink: etree._Element | None) -> None:
        if not text or (sink is None and not text.strip()):
            return
        target = sink if sink is not None else self._open_loose()
        if len(target):
            target[-1].tail = (target[-1].tail or "") + text
        else:
            target.text = (target.text or "") + text
