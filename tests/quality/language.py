"""Two independent proposals of a page's language, so that a person reads only where they disagree.

No source of the development set labels language. The build proposes one from what the page declares
(``<html lang>``, ``Content-Language`` in a ``<meta>``, ``og:locale``) and one from the words of its
main text (the share of each language's stop words, jusText's lists; the script for Chinese, Japanese
and Korean, which have none there). Where both agree the label is taken; everywhere else a person read
the text and decided, and that decision is committed in ``languages_checked.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

# jusText stop-list name -> ISO 639-1, for the languages a news page is likely to be written in.
STOPLISTS: dict[str, str] = {
    "Afrikaans": "af", "Albanian": "sq", "Arabic": "ar", "Bulgarian": "bg", "Catalan": "ca",
    "Croatian": "hr", "Czech": "cs", "Danish": "da", "Dutch": "nl", "English": "en", "Estonian": "et",
    "Finnish": "fi", "French": "fr", "Galician": "gl", "German": "de", "Greek": "el", "Hebrew": "he",
    "Hindi": "hi", "Hungarian": "hu", "Icelandic": "is", "Indonesian": "id", "Irish": "ga",
    "Italian": "it", "Latvian": "lv", "Lithuanian": "lt", "Malay": "ms", "Norwegian_Bokmal": "nb",
    "Persian": "fa", "Polish": "pl", "Portuguese": "pt", "Romanian": "ro", "Russian": "ru",
    "Serbian": "sr", "Slovak": "sk", "Slovenian": "sl", "Spanish": "es", "Swedish": "sv",
    "Tagalog": "tl", "Turkish": "tr", "Ukrainian": "uk", "Vietnamese": "vi", "Welsh": "cy",
}
# Declared codes that name the same language as the one the stop words give.
SAME = {"no": "nb", "nn": "nb", "iw": "he", "in": "id", "tl": "tl", "fil": "tl"}

_WORDS = re.compile(r"\w+", re.UNICODE)
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


@lru_cache(maxsize=1)
def _stopwords() -> dict[str, frozenset[str]]:
    import justext

    return {iso: frozenset(w.lower() for w in justext.get_stoplist(name)) for name, iso in STOPLISTS.items()}


def _script_language(text: str) -> str | None:
    counts = Counter()
    for char in text:
        code = ord(char)
        if 0x3040 <= code <= 0x30FF:
            counts["ja"] += 1
        elif 0xAC00 <= code <= 0xD7AF:
            counts["ko"] += 1
        elif 0x4E00 <= code <= 0x9FFF:
            counts["han"] += 1
    letters = sum(1 for c in text if c.isalpha()) or 1
    if counts["ja"] > 0.05 * letters:
        return "ja"
    if counts["ko"] > 0.2 * letters:
        return "ko"
    if counts["han"] > 0.2 * letters:
        return "zh"
    return None


def text_language(text: str) -> str | None:
    """The language whose stop words make up the largest share of the text's words (None if < 20 words)."""
    script = _script_language(text)
    if script:
        return script
    words = [w.lower() for w in _WORDS.findall(text)]
    if len(words) < 20:
        return None
    counts = Counter(words)
    best, best_share = None, 0.0
    for iso, stops in _stopwords().items():
        share = sum(n for w, n in counts.items() if w in stops) / len(words)
        if share > best_share:
            best, best_share = iso, share
    return best if best_share >= 0.05 else None


def propose(html: str, text: str) -> tuple[str | None, str | None]:
    """(declared, from the text): the two proposals the build compares."""
    return declared_language(html), text_language(text)
