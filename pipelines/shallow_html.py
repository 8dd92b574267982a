"""HTML nested deeper than lxml will parse, made shallow enough that nothing after the nest is lost.

libxml2's HTML parser stops at 256 levels of nesting ("Excessive depth in document") and silently
drops *the rest of the document*: a page with ten thousand nested ``<div>``s hides every paragraph,
citation and image that follows them from trafilatura and from requisite finding. Such pages are
rare and usually hostile, so the remedy is simple rather than faithful: below ``keep`` levels every
new element closes the previous one at that level instead of nesting in it. Text, attributes (so
``href``, ``src``, ``style``) and document order are kept; only the deep structure is flattened.
The WARC keeps the page as received; this only feeds the analysis.
"""

from __future__ import annotations

from html.parser import HTMLParser

from lxml import etree

LXML_MAX_DEPTH = 256  # libxml2's limit without XML_PARSE_HUGE
KEEP_DEPTH = 200  # levels kept as they are; leaves room for what trafilatura wraps around them

_VOID = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
})
# A start tag of one of these ends an open element of the same name (``<li>a<li>b``, ``<p>a<p>b``).
_IMPLIED_END = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option", "a"})
DEPTH_NOTE = (f"HTML nested deeper than {LXML_MAX_DEPTH} levels: elements below level {KEEP_DEPTH} "
              "were flattened to read the rest of the page")


def too_deep(html: str) -> bool:
    """Whether lxml stops parsing this document at its depth limit."""
    if html.count("<") < LXML_MAX_DEPTH:
        return False
    parser = etree.HTMLParser(collect_ids=False)
    try:
        etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        pass
    return any("Excessive depth" in entry.message for entry in parser.error_log)


def shallow_html(html: str) -> tuple[str, bool]:
    """``(html, False)`` when lxml reads it whole, else ``(flattened html, True)``."""
    if not too_deep(html):
        return html, False
    return flatten(html, KEEP_DEPTH), True


def flatten(html: str, keep: int = KEEP_DEPTH) -> str:
    flattener = _Flattener(keep)
    try:
        flattener.feed(html)
        flattener.close()
    except (AssertionError, ValueError):  # html.parser's own complaints on hostile markup
        pass
    return "".join(flattener.out)


class _Flattener(HTMLParser):
    def __init__(self, keep: int) -> None:
        super().__init__(convert_charrefs=False)
        self.keep = keep
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, flattened)
        self.depth = 0  # elements open in the output, flattened ones excluded
        self.slot: str | None = None  # the one element open at the flattened level

    def handle_starttag(self, tag: str, attrs) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag in _VOID:
            self.out.append(raw)
            return
        if self.stack and self.stack[-1][0] == tag and tag in _IMPLIED_END:
            self._pop_top()
        if self.depth < self.keep:
            self.out.append(raw)
            self.stack.append((tag, False))
            self.depth += 1
            return
        if self.slot is not None:
            self.out.append(f"</{self.slot}>")
        self.out.append(raw)
        self.slot = tag
        self.stack.append((tag, True))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.out.append(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                break
        else:
            self.out.append(f"</{tag}>")  # stray: lxml decides, as it would have
            return
        while len(self.stack) > index + 1:
            self._pop_top()
        _, flattened = self.stack.pop()
        if flattened:
            if self.slot == tag:
                self.out.append(f"</{tag}>")
                self.slot = None
            return
        self.depth -= 1
        self.slot = None  # closing an ancestor closes whatever was open below it
        self.out.append(f"</{tag}>")

    def _pop_top(self) -> None:
        _, flattened = self.stack.pop()
        if not flattened:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")
