"""The development set's measures, as pure functions: values in, numbers out.

- **Text, full truth**: Zyte's shingle measure (``scrapinghub/article-extraction-benchmark``
  ``evaluate.py``, the measure behind "trafilatura 0.958"), reproduced exactly: ``\\w+`` tokens (case
  kept, punctuation dropped), 4-token shingles counted as a multiset (a text of 1-3 tokens is one short
  shingle, an empty text none), per page tp/fp/fn normalised by their sum so every page weighs the
  same, precision the mean over pages with output, recall the mean over pages with truth, F1 of the
  two means (not a mean of per-page F1s), accuracy the share of pages whose tokens are all identical.
- **Text, snippet truth**: trafilatura's own evaluation (``tests/eval_common.py``): a ``with`` snippet
  found in the whitespace-normalised output is a true positive, a missing one a false negative; a
  ``without`` snippet found is a false positive, an absent one a true negative (case kept); counts
  summed over the corpus, then precision, recall and F1.
- **Metadata**: see :func:`same_title`, :func:`same_author`, :func:`same_date`, :func:`same_language`.
- **Citations**: pooled over the labelled pages, see :func:`citation_counts`.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
_WS = re.compile(r"\s+")

TpFpFn = tuple[float, float, float]


# --- text against a full labelled main text (Zyte's measure) -------------------------------------

def tokens(text: str | None) -> list[str]:
    """Zyte's tokens: every run of word characters, case kept."""
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of n-token shingles; a text shorter than n tokens is one shingle of what it has."""
    words = tokens(text)
    return Counter(tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1)) if words[i:i + n])


def shingle_match(true: str | None, pred: str | None, n: int = 4) -> TpFpFn:
    """One page's (tp, fp, fn) over shingles, normalised to sum to 1 (all 0 when both are empty)."""
    true_shingles, pred_shingles = shingles(true, n), shingles(pred, n)
    tp = fp = fn = 0.0
    for key in set(true_shingles) | set(pred_shingles):
        t, p = true_shingles.get(key, 0), pred_shingles.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (tp, fp, fn)


def precision_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def recall_score(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def exact_tokens(true: str | None, pred: str | None) -> bool:
    """Zyte's accuracy of one page: the two texts have the same tokens in the same order."""
    return tokens(true) == tokens(pred)


@dataclass(frozen=True)
class TextScores:
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int
    pages_with_output: int


def text_scores(matches: Sequence[TpFpFn], accurate: Sequence[bool] = ()) -> TextScores:
    """Corpus scores from per-page :func:`shingle_match` results (0 where a mean has no page)."""
    precisions = [precision_score(*m) for m in matches if m[0] + m[1] > 0]
    recalls = [recall_score(*m) for m in matches if m[0] + m[2] > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    accuracy = statistics.fmean(1.0 if a else 0.0 for a in accurate) if accurate else 0.0
    return TextScores(precision, recall, f1, accuracy, len(matches), len(precisions))


# --- text against snippets (trafilatura's evaluation) ---------------------------------------------

def _norm_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0


def snippet_counts(text: str | None, wanted: Iterable[str], unwanted: Iterable[str]) -> Confusion:
    """trafilatura's ``count_item``: substring matching after whitespace normalisation, case kept."""
    wanted, unwanted = list(wanted), list(unwanted)
    if text is None:
        return Confusion(0, 0, len(wanted), len(unwanted))
    found = _norm_ws(text)
    tp = sum(1 for w in wanted if _norm_ws(w) in found)
    fp = sum(1 for w in unwanted if _norm_ws(w) in found)
    return Confusion(tp, fp, len(wanted) - tp, len(unwanted) - fp)


def total(counts: Iterable[Confusion]) -> Confusion:
    result = Confusion()
    for item in counts:
        result = result + item
    return result


# --- metadata ------------------------------------------------------------------------------------

_BY = re.compile(r"^(by|von|par|por|di|door|av|af)\s+", re.I)
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;|/&]|\band\b|\bund\b|\bet\b)\s*", re.I)
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")


def norm_words(text: str | None) -> str:
    """Case-folded (NFKC), punctuation dropped, one space between words: 'Hello,  World!' -> 'hello world'."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(tokens(folded)).replace("_", " ").strip()


def same_title(truth: str | None, pred: str | None) -> bool:
    """Right when both are equal after :func:`norm_words` (a site name added to the title is wrong)."""
    return bool(norm_words(truth)) and norm_words(truth) == norm_words(pred)


def author_set(text: str | None) -> frozenset[str]:
    """The names in an author field: leading 'By ' (and its sisters) dropped, split on , ; | / & and
    'and', 'und', 'et', each name through :func:`norm_words`; order does not matter."""
    names = set()
    for part in _AUTHOR_SPLIT.split(_BY.sub("", (text or "").strip())):
        name = norm_words(_BY.sub("", part.strip()))
        if name:
            names.add(name)
    return frozenset(names)


def same_author(truth: str | None, pred: str | None) -> bool:
    """Right when the two give the same set of names."""
    wanted = author_set(truth)
    return bool(wanted) and wanted == author_set(pred)


def norm_date(text: str | None) -> str | None:
    """YYYY-MM-DD from ISO forms (``2024-05-01T10:00Z``, ``2024/5/1``) or day-first ``1.5.2024``."""
    if not text:
        return None
    match = _ISO_DATE.search(text)
    if match:
        year, month, day = match.groups()
    else:
        match = _DMY_DATE.search(text)
        if not match:
            return None
        day, month, year = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def same_date(truth: str | None, pred: str | None) -> bool:
    """Right when both name the same day (time of day and time zone ignored)."""
    wanted = norm_date(truth)
    return wanted is not None and wanted == norm_date(pred)


def norm_language(code: str | None) -> str | None:
    """ISO 639-1 primary subtag: 'en-GB' -> 'en'."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary or None


def same_language(truth: str | None, pred: str | None) -> bool:
    wanted = norm_language(truth)
    return wanted is not None and wanted == norm_language(pred)


FIELDS: dict[str, Callable[[str | None, str | None], bool]] = {
    "title": same_title, "author": same_author, "date": same_date, "language": same_language,
}


# --- citations -----------------------------------------------------------------------------------

def citation_key(url: str, canonical: Callable[[str], str]) -> str:
    """The URL as ``canonical`` spells it, or as given when ``canonical`` refuses it."""
    try:
        return canonical(url)
    except Exception:  # noqa: BLE001 - any refusal falls back to the raw URL, by definition
        return url


def citation_counts(
    reported: Iterable[str], labels: Iterable[dict], canonical: Callable[[str], str]
) -> Confusion:
    """One page: a reported URL equal (canonically) to a label marked cited is a true positive; any
    other reported URL (labelled not cited, or never in the pool) a false positive; a cited label
    nobody reported a false negative. Duplicates count once."""
    cited = {citation_key(link["url"], canonical) for link in labels if link.get("cited")}
    found = {citation_key(url, canonical) for url in reported}
    tp = len(found & cited)
    return Confusion(tp=tp, fp=len(found - cited), fn=len(cited - found))


def citations_outside(
    reported: Iterable[str], labels: Iterable[dict], canonical: Callable[[str], str]
) -> int:
    """Reported URLs the labeller never judged: links from outside the labelled main text.

    They are false positives by the rule, but they say more about what the extraction let in than
    about the citation decision; counting them apart separates the two."""
    judged = {citation_key(link["url"], canonical) for link in labels}
    return len({citation_key(url, canonical) for url in reported} - judged)


@dataclass(frozen=True)
class Agreement:
    """How often two labellers gave the same verdict on the same links, and Cohen's kappa."""

    links: int
    observed: float
    kappa: float


def labeller_agreement(first: dict[str, bool], second: dict[str, bool]) -> Agreement:
    """Agreement on cited / not cited over the links both labellers judged.

    Kappa discounts the agreement two labellers would reach by chance given how often each says
    "cited"; with three links in four cited, raw agreement alone would flatter the rule."""
    common = sorted(set(first) & set(second))
    if not common:
        return Agreement(0, 0.0, 0.0)
    n = len(common)
    observed = sum(first[url] == second[url] for url in common) / n
    p1 = sum(first[url] for url in common) / n
    p2 = sum(second[url] for url in common) / n
    chance = p1 * p2 + (1 - p1) * (1 - p2)
    kappa = 1.0 if chance == 1 else (observed - chance) / (1 - chance)
    return Agreement(n, observed, kappa)
