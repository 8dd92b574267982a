"""Two independent proposals of a page's language, so that a person reads only where they disagree.

No source of the development set labels language. The build proposes one from what the page declares
(``<html lang>``, ``Content-Language`` in a ``<meta>``, ``og:locale``) and one from the words of its
main text (``pipelines.text_language``, the words' guess citewarc itself makes when a page declares
nothing: the share of each language's stop words, jusText's lists; the script for Chinese, Japanese
and Korean, which have none there). Where both agree the label is taken; everywhere else a person read
the text and decided, and that decision is committed in ``languages_checked.json``.
"""

from __future__ import annotations

import re

from pipelines.text_language import text_language

# Declared codes that name the same language as the one the stop words give.
SAME = {"no": "nb", "nn": "nb", "iw": "he", "in": "id", "tl": "tl", "fil": "tl"}

_LANG_ATTR = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([A-Za-z]{2,3})", re.I | re.S)
_META_LANG = re.compile(
    r"<meta\b[^>]*?http-equiv\s*=\s*[\"']?content-language[\"']?[^>]*?content\s*=\s*[\"']?\s*([A-Za-z]{2,3})",
    re.I | re.S)
_OG_LOCALE = re.compile(
    r"<meta\b[^>]*?property\s*=\s*[\"']og:locale[\"'][^>]*?content\s*=\s*[\"']?\s*([A-Za-z]{2,3})",
    re.I | re.S)


def normalise_code(code: str | None) -> str | None:
    """``en-GB``, ``EN``, ``en_US`` -> ``en``; ``no`` and ``nn`` -> ``nb`` (one Norwegian here)."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if not primary.isalpha() or len(primary) not in (2, 3):
        return None
    return SAME.get(primary, primary)


def declared_language(html: str) -> str | None:
    """What the page says it is written in: ``<html lang>``, else the meta tags."""
    head = html[:200_000]
    for pattern in (_LANG_ATTR, _META_LANG, _OG_LOCALE):
        match = pattern.search(head)
        if match:
            code = normalise_code(match.group(1))
            if code:
                return code
    return None


def propose(html: str, text: str) -> tuple[str | None, str | None]:
    """(declared, from the text): the two proposals the build compares."""
    return declared_language(html), text_language(text)
