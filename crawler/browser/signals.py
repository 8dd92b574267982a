"""When ``--browser auto`` loads a page in Chromium too: signals read from the static capture alone.

A page is worth a browser load when what Scrapy downloaded is not what a reader sees. Three signals
say so without loading anything (``tests/unit/test_browser_signals.py`` and the README measure them):

- **no main text, and scripts**: trafilatura found fewer than ``MIN_TEXT_CHARS`` characters of
  main text in the static HTML, which has at least one ``<script>``. A news article's body is
  longer; a skeleton, a "loading..." page or an empty app is shorter. A short page without a
  script (a stub, a placeholder) would look the same in a browser: it is not loaded.
- **an empty app shell**: an element scripts mount the page into (``id="root"``, ``"app"``,
  ``"__next"``, ``"__nuxt"``, ``<app-root>``, ...) that holds nothing, while the main text is short
  (``SHORT_TEXT_CHARS``): a complete server-rendered article may carry an empty widget root.
- **a page asking for JavaScript**: a ``<noscript>`` telling the reader to enable JavaScript,
  while the main text is short (``SHORT_TEXT_CHARS``): many server-rendered sites carry such a
  notice above a complete article, and those need no browser.

The rendered page's text is compared with the static one afterwards (``rendered_gain``): the
browser's text is kept only when it is longer, and the row says which capture the text came from.
"""

from __future__ import annotations

import re

from crawler.web.analysis import PageAnalysis

MIN_TEXT_CHARS = 200
SHORT_TEXT_CHARS = 1500

# An element a framework renders into, with nothing but whitespace (or comments) inside.
_EMPTY_MOUNT = re.compile(
    r"<(?:div|main|section)\b[^>]*\bid\s*=\s*[\"']?(?:root|app|__next|__nuxt|___gatsby|svelte|"
    r"main-app|app-root)[\"']?[^>]*>\s*(?:<!--(?:(?!-->).)*-->\s*)*</(?:div|main|section)>"
    r"|<app-root\b[^>]*>\s*</app-root>",
    re.IGNORECASE | re.DOTALL,
)
_SCRIPT = re.compile(r"<script\b", re.IGNORECASE)
_NOSCRIPT_JS = re.compile(
    r"<noscript\b[^>]*>(?:(?!</noscript>).){0,600}?"
    r"(?:enable|turn on|activate|requires?|need)\s+(?:\w+\s+){0,3}javascript",
    re.IGNORECASE | re.DOTALL,
)


def browser_reason(html: str, text_chars: int) -> str | None:
    """Why the static capture of ``html`` (whose main text has ``text_chars`` characters) needs a
    browser load under ``auto``; None when it does not."""
    if text_chars < MIN_TEXT_CHARS and _SCRIPT.search(html):
        return (f"static capture has {text_chars} characters of main text (< {MIN_TEXT_CHARS}) "
                "and scripts")
    if text_chars < SHORT_TEXT_CHARS and _EMPTY_MOUNT.search(html):
        return "static capture is an empty app shell (a mount element with no content)"
    if text_chars < SHORT_TEXT_CHARS and _NOSCRIPT_JS.search(html):
        return "static capture asks for JavaScript (noscript) and its main text is short"
    return None


def rendered_gain(static_chars: int, rendered_chars: int) -> bool:
    """Whether the rendered page's main text replaces the static one: only when it holds more
    (a script that removes text must not make the archive's text worse)."""
    return rendered_chars > static_chars


def text_chars(extraction: dict | None) -> int | None:
    """Characters of main text in an extraction (None when text was not extracted)."""
    if extraction is None:
        return None
    return len(extraction.get("text") or "")


def merge_analyses(static: PageAnalysis, rendered: PageAnalysis) -> tuple[PageAnalysis, str]:
    """(analysis, text source) of a page seen both ways: the text (and its citations first) of the
    rendered page when ``rendered_gain`` says it holds more, else the static one's; citations
    and requisites of the other appended, each URL once. Links a script inserted count."""
    static_chars = text_chars(static.extraction) or 0
    rendered_chars = text_chars(rendered.extraction) or 0
    first, second, source = ((rendered, static, "browser") if rendered_gain(static_chars, rendered_chars)
                             else (static, rendered, "static"))
    citations = list(first.citations)
    seen = {c["url"] for c in citations}
    citations += [c for c in second.citations if c["url"] not in seen and not seen.add(c["url"])]
    requisites = list(dict.fromkeys([*first.requisites, *second.requisites]))
    not_cited = [n for n in [*first.links_not_cited, *second.links_not_cited]
                 if n["url"] not in seen and not seen.add(n["url"])]
    return PageAnalysis(extraction=first.extraction, citations=citations, requisites=requisites,
                        links_not_cited=not_cited), source
