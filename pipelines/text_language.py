"""The language a text is written in, from its words: for pages that do not say, or say wrongly.

Many pages declare no language, and some declare the template's rather than the article's (a German
blog on an English theme says ``lang="en"``). The words decide then: the share of each language's
stop words (jusText's lists, which trafilatura already installs) among the first few thousand words
of the main text, and the script for Chinese, Japanese and Korean, which those lists lack. No model
and no extra package; measured on the development set (``tests/quality``).
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
MIN_WORDS = 20  # fewer words say nothing reliable
MIN_SHARE = 0.05  # a language's stop words must be at least this share of the words
MAX_WORDS = 400  # the start of a text decides; a long one costs no more

_WORDS = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _languages_of_word() -> dict[str, tuple[str, ...]]:
    """Stop word -> the languages listing it: one pass over the text counts every language."""
    import justext  # noqa: PLC0415 - a worker-only import, as trafilatura's

    index: dict[str, list[str]] = {}
    for name, iso in STOPLISTS.items():
        for word in justext.get_stoplist(name):
            index.setdefault(word.lower(), []).append(iso)
    return {word: tuple(codes) for word, codes in index.items()}


_LETTER = re.compile(r"[^\W\d_]")
_KANA = re.compile("[\u3040-\u30ff]")
_HANGUL = re.compile("[\uac00-\ud7af]")
_HAN = re.compile("[\u4e00-\u9fff]")
_CJK = re.compile("[\u3040-\u30ff\uac00-\ud7af\u4e00-\u9fff]")  # any of the three


def _script_language(text: str) -> str | None:
    if not _CJK.search(text):
        return None  # most pages: no kana, hangul or han to count (counting costs ~0.3 ms a page)
    letters = len(_LETTER.findall(text)) or 1
    if len(_KANA.findall(text)) > 0.05 * letters:
        return "ja"
    if len(_HANGUL.findall(text)) > 0.2 * letters:
        return "ko"
    if len(_HAN.findall(text)) > 0.2 * letters:
        return "zh"
    return None


def language_shares(text: str) -> dict[str, float]:
    """Each language's stop words as a share of the text's words ({} under MIN_WORDS words)."""
    words = [w.lower() for w in _WORDS.findall(text[:MAX_WORDS * 12])[:MAX_WORDS]]
    if len(words) < MIN_WORDS:
        return {}
    index = _languages_of_word()
    counts = Counter(code for word in words for code in index.get(word, ()))
    return {code: n / len(words) for code, n in counts.items()}


def _guess(text: str) -> tuple[str | None, dict[str, float]]:
    script = _script_language(text[:4000])
    if script:
        return script, {}
    shares = language_shares(text)
    if not shares:
        return None, shares
    best = max(shares, key=lambda code: shares[code])
    return (best if shares[best] >= MIN_SHARE else None), shares


def text_language(text: str) -> str | None:
    """The language whose stop words make up the largest share of the text (None if unsure)."""
    return _guess(text)[0]


def contradicts(declared: str, text: str, min_words: int = 100) -> str | None:
    """The text's language when it plainly is not the declared one, else None.

    Plainly: a long enough text whose own language's stop words are at least twice as frequent as
    the declared language's. A page quoting a foreign passage or mixing languages keeps what it
    declares."""
    if len(_WORDS.findall(text[:min_words * 12])) < min_words:
        return None
    guess, shares = _guess(text)
    if guess is None or guess == declared:
        return None
    if guess in ("ja", "ko", "zh") or shares.get(guess, 0.0) >= 2 * shares.get(declared, 0.0):
        return guess
    return None
