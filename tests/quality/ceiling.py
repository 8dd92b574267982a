"""How far could a per-page choice among the extractors and metadata sources we have go? The ceiling
of issue 13 item 2 (text F1 0.97; title, author, date right on 95% of labelled pages), measured on
the development pages only (sources ``wcxb`` and ``trafilatura``).

**Text.** Every text extractor in the environment runs on every page: trafilatura's default, its
``favor_recall`` and ``favor_precision`` modes, its ``baseline()``, its readability port and jusText
exactly as ``pipelines/extract_fallbacks.py`` calls them, citewarc's ``analyse_page`` text and any
JSON-LD ``articleBody``. Each is scored by ``metrics.py`` as ``run.py`` scores a contender. The
**oracle** then picks, per page, whichever candidate serves the source's corpus score best (found by
coordinate ascent from each page's best): no selector choosing among these candidates can score
higher than the true optimum, and ``bound`` is a guaranteed upper bound on that optimum (shingles:
F1 of the per-page best precision and best recall means; snippets: every page's most true and
fewest false snippets at once).

**Metadata.** Every value the page offers through a general source (title: ``<title>``, og/twitter
title, JSON-LD ``headline``/``name``, every ``<h1>``, trafilatura's and citewarc's; author: JSON-LD
author names, author ``<meta>`` tags, trafilatura's and citewarc's; date: JSON-LD dates,
``article:published_time``/``modified_time``, htmldate's original and updated date, trafilatura's
and citewarc's) is compared with the label by ``metrics.FIELDS``. The share of labelled pages where
ANY candidate is right is the ceiling of choosing among the page's own sources; the rest are pages
whose label no source on the page gives.

    .venv/bin/python -m tests.quality.ceiling --workers 1 --out /tmp/ceiling.json

Per-page work is cached (``--cache``, keyed by page and HTML hash), so a rerun only scores.
"""

from __future__ import annotations

import argparse
import hashlib
import html as html_lib
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from tests.quality import metrics  # noqa: E402
from tests.quality.devset import ARCHIVES, CHECKS, Page, decode, load_source  # noqa: E402

DEV_SOURCES = tuple(source for source in ARCHIVES if source not in CHECKS)
TEXT_EXTRACTORS = ("trafilatura", "trafilatura-recall", "trafilatura-precision", "trafilatura-baseline",
                   "readability", "justext", "citewarc", "json-ld")
META = ("title", "author", "date")
CACHE_VERSION = "1"
LOW = 0.8  # a page whose best candidate scores below this is listed as a page no choice rescues


# --- pure helpers: candidates from a page's statements ---------------------------------------------

def json_ld_objects(scripts: Iterable[str]) -> list[dict[str, Any]]:
    """Every JSON object (any depth, any type) in the page's ``application/ld+json`` scripts;
    unreadable scripts are skipped."""
    found: list[dict[str, Any]] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 10:
            return
        if isinstance(node, list):
            for child in node:
                walk(child, depth + 1)
        elif isinstance(node, dict):
            found.append(node)
            for child in node.values():
                if isinstance(child, (list, dict)):
                    walk(child, depth + 1)

    for script in scripts:
        try:
            walk(json.loads(script.strip(), strict=False), 0)
        except ValueError:
            continue
    return found


def plain(value: Any) -> list[str]:
    """A JSON-LD value as its strings (a list gives each of its strings), entities decoded."""
    values = value if isinstance(value, list) else [value]
    return [" ".join(html_lib.unescape(v).split()) for v in values if isinstance(v, str) and v.strip()]


def author_names(value: Any) -> list[str]:
    """A JSON-LD ``author``: each name (a string, an object's ``name``, or a list of either)."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        for name in plain(item.get("name")) if isinstance(item, dict) else plain(item):
            if name not in names:
                names.append(name)
    return names


def author_candidates(names: Sequence[str]) -> list[str]:
    """One source's names as candidates: each name alone and all of them together (the measure
    compares sets of names, so a two-author label needs both)."""
    out = list(dict.fromkeys(names))
    if len(out) > 1:
        out.append(", ".join(out))
    return out


_TITLE_SEPARATORS = re.compile(r"\s+[|\-\u2013\u2014\u00bb\u00b7/]+\s+|\s*::\s*|:\s+")


def title_parts(title: str) -> list[str]:
    """The pieces of a title cut at a separator a site puts between headline, section and site name
    ("Headline | Site", "Site - Headline", "Blog: Headline"): each piece, and each run of pieces
    without the first or the last."""
    pieces = [piece.strip() for piece in _TITLE_SEPARATORS.split(title) if piece.strip()]
    if len(pieces) < 2:
        return []
    runs = {" - ".join(pieces[:i]) for i in range(1, len(pieces))} | set(pieces)
    runs |= {" - ".join(pieces[i:]) for i in range(1, len(pieces))}
    return sorted(runs)


def matching(field: str, truth: str | None, candidates: Iterable[tuple[str, str | None]]) -> list[str]:
    """The sources whose value ``metrics.FIELDS[field]`` accepts against the label."""
    same = metrics.FIELDS[field]
    return sorted({source for source, value in candidates if value and same(truth, value)})


# --- pure helpers: the oracle over per-page choices -----------------------------------------------

def shingle_f1(match: metrics.TpFpFn) -> float:
    """One page's F1 from its (tp, fp, fn) shingle shares."""
    p, r = metrics.precision_score(*match), metrics.recall_score(*match)
    return 2 * p * r / (p + r) if p + r else 0.0


def snippet_f1(counts: metrics.Confusion) -> float:
    """One page's snippet F1; a page with no labelled snippet found or wrongly kept scores 1."""
    return counts.f1 if counts.tp + counts.fp + counts.fn else 1.0


def _options(pages: Sequence[dict[str, metrics.TpFpFn]]) -> list[list[tuple[str, float, float]]]:
    """Per page its candidates as (name, precision, recall); a candidate with no output is left out
    when another gave some (choosing no text is no choice a selector would make)."""
    out = []
    for cands in pages:
        some = {name: m for name, m in cands.items() if m[0] + m[1] > 0} or dict(cands)
        out.append([(name, metrics.precision_score(*m), metrics.recall_score(*m))
                    for name, m in some.items()])
    return out


def _hm(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def oracle_shingles(
    pages: Sequence[dict[str, metrics.TpFpFn]], steps: int = 200,
) -> tuple[list[str], metrics.TextScores, float]:
    """The per-page choice that makes the corpus shingle F1 (F1 of mean precision and mean recall)
    highest, its scores, and an upper bound no choice can pass.

    The choice: for each weight w, every page takes its best w*precision + (1-w)*recall, then one
    page at a time changes while that raises the corpus F1; the best over the weights is kept. The
    bound: F1 is concave and 1-homogeneous in (P, R), so F1 <= 2(1-t)^2 P + 2t^2 R for every t, and
    that line is maximised page by page; the least such maximum over t bounds every choice."""
    options = _options(pages)
    n_p = sum(1 for cands in pages if any(m[0] + m[1] > 0 for m in cands.values())) or 1
    n_r = sum(1 for cands in pages if any(m[0] + m[2] > 0 for m in cands.values())) or 1
    has_p = [any(m[0] + m[1] > 0 for m in cands.values()) for cands in pages]
    has_r = [any(m[0] + m[2] > 0 for m in cands.values()) for cands in pages]

    def best_line(a: float, b: float) -> list[int]:
        return [max(range(len(opts)), key=lambda k: a * opts[k][1] * has_p[i] + b * opts[k][2] * has_r[i])
                for i, opts in enumerate(options)]

    def f1_of(choice: list[int]) -> tuple[float, float, float]:
        sp = sum(options[i][k][1] for i, k in enumerate(choice) if has_p[i])
        sr = sum(options[i][k][2] for i, k in enumerate(choice) if has_r[i])
        return _hm(sp / n_p, sr / n_r), sp, sr

    best: tuple[float, list[int]] = (-1.0, [])
    for step in range(steps + 1):
        weight = step / steps
        choice = best_line(weight / n_p, (1 - weight) / n_r)
        score, sp, sr = f1_of(choice)
        improved = True
        while improved:
            improved = False
            for i, opts in enumerate(options):
                k0 = choice[i]
                for k, (_, p, r) in enumerate(opts):
                    tp_ = sp + (p - opts[k0][1]) * has_p[i]
                    tr_ = sr + (r - opts[k0][2]) * has_r[i]
                    trial = _hm(tp_ / n_p, tr_ / n_r)
                    if trial > score + 1e-12:
                        choice[i], score, sp, sr, k0, improved = k, trial, tp_, tr_, k, True
        if score > best[0]:
            best = (score, list(choice))
    names = [options[i][k][0] for i, k in enumerate(best[1])]
    scores = metrics.text_scores([pages[i][name] for i, name in enumerate(names)])
    bound = 1.0
    for step in range(1, steps):
        t = step / steps
        a, b = 2 * (1 - t) ** 2, 2 * t ** 2
        line = sum(max(a * p * has_p[i] / n_p + b * r * has_r[i] / n_r for _, p, r in opts)
                   for i, opts in enumerate(options))
        bound = min(bound, line)
    return names, scores, bound


def oracle_snippets(
    pages: Sequence[dict[str, metrics.Confusion]],
) -> tuple[list[str], metrics.Confusion, float]:
    """The per-page choice that makes the summed snippet F1 highest, and its summed counts; exact.

    F1 = 2 TP / (TP + FP + W), W the wanted snippets (fixed), is a ratio of sums over pages, so
    Dinkelbach's method finds the optimum: with q the current F1, every page takes its largest
    2 tp - q (tp + fp), until q stops rising. The third value (the bound) is that optimum."""
    wanted = sum(next(iter(cands.values())).tp + next(iter(cands.values())).fn for cands in pages)
    q, choice = 0.0, [next(iter(cands)) for cands in pages]
    for _ in range(100):
        choice = [max(sorted(cands), key=lambda name, c=cands: 2 * c[name].tp - q * (c[name].tp + c[name].fp))
                  for cands in pages]
        counts = metrics.total(pages[i][name] for i, name in enumerate(choice))
        value = 2 * counts.tp / (counts.tp + counts.fp + wanted) if counts.tp + counts.fp + wanted else 0.0
        if value <= q + 1e-12:
            break
        q = value
    counts = metrics.total(pages[i][name] for i, name in enumerate(choice))
    return choice, counts, counts.f1


def meta_ceiling(rows: Sequence[dict[str, Any]], field: str) -> dict[str, Any]:
    """Over the pages labelled for ``field``: how often citewarc is right, how often any candidate is
    (the ceiling), and which sources were right how often."""
    judged = [row for row in rows if field in row["meta"]]
    if not judged:
        return {"pages": 0}
    any_right = sum(1 for row in judged if row["meta"][field]["matching"])
    citewarc = sum(1 for row in judged if "citewarc" in row["meta"][field]["matching"])
    by_source: dict[str, int] = {}
    for row in judged:
        for source in row["meta"][field]["matching"]:
            by_source[source] = by_source.get(source, 0) + 1
    out: dict[str, Any] = {}
    if any("right_with_parts" in row["meta"][field] for row in judged):
        with_parts = sum(1 for row in judged if row["meta"][field].get("right_with_parts"))
        out = {"oracle_with_title_parts": with_parts / len(judged),
               "pages_no_candidate_matches_with_parts": len(judged) - with_parts}
    return {"pages": len(judged), "citewarc": citewarc / len(judged), "oracle": any_right / len(judged),
            **out,
            "no_candidate_matches": (len(judged) - any_right) / len(judged),
            "pages_no_candidate_matches": len(judged) - any_right,
            "pages_right_but_not_citewarc": any_right - citewarc,
            "pages_allowed_wrong_at_95": int(len(judged) * 0.05),
            "right_by_source": dict(sorted(by_source.items(), key=lambda item: -item[1]))}


# --- per-page work (in a worker) ----------------------------------------------------------------

def _xml_text(xml: str | None) -> str:
    from pipelines.extract import parse_trafilatura_xml

    return parse_trafilatura_xml(xml).text if xml else ""


def text_candidates(html: str, url: str, done: dict[str, str], ld_bodies: list[str]) -> dict[str, str]:
    """Every extractor's text of one page (an extractor that fails gives ''); ``done``: the texts
    run.py's contenders already made (trafilatura's default, citewarc's)."""
    import trafilatura

    from pipelines.extract import html_language
    from pipelines.extract_fallbacks import baseline_xml, justext_xml, readability_xml
    from pipelines.html_tree import parse_page

    tree = parse_page(html).tree
    steps: dict[str, Callable[[], str]] = {
        "trafilatura": lambda: done["trafilatura"],
        "trafilatura-recall": lambda: trafilatura.extract(html, url=url, favor_recall=True) or "",
        "trafilatura-precision": lambda: trafilatura.extract(html, url=url, favor_precision=True) or "",
        "trafilatura-baseline": lambda: _xml_text(baseline_xml(tree)),
        "readability": lambda: _xml_text(readability_xml(tree, url)),
        "justext": lambda: _xml_text(justext_xml(tree, url, html_language(html, None))),
        "citewarc": lambda: done["citewarc"],
        "json-ld": lambda: max(ld_bodies, key=len) if ld_bodies else "",
    }
    texts = {}
    for name, step in steps.items():
        try:
            texts[name] = step()
        except Exception:  # noqa: BLE001 - one extractor's failure is that extractor's empty output
            texts[name] = ""
    return texts


def meta_candidates(html: str, url: str, traf: dict, cite: dict) -> dict[str, list[tuple[str, str]]]:
    """Every title, author and date the page offers through a general source, with the source."""
    from lxml import etree

    from pipelines.html_tree import parse_page
    from pipelines.page_metadata import heading_text

    tree = parse_page(html).tree
    out: dict[str, list[tuple[str, str]]] = {field: [] for field in META}
    scripts: list[str] = []
    if tree is not None:
        for element in tree.iter("title", "meta", "h1", "script"):
            try:
                if element.tag == "title" and element.text_content().strip():
                    out["title"].append(("<title>", " ".join(element.text_content().split())))
                elif element.tag == "h1":
                    out["title"].append(("<h1>", " ".join(element.text_content().split())))
                    out["title"].append(("<h1> as read", heading_text(element)))
                elif element.tag == "script" and "ld+json" in (element.get("type") or "").lower():
                    scripts.append(element.text or "")
                elif element.tag == "meta" and element.get("content"):
                    key = (element.get("property") or element.get("name") or element.get("itemprop") or "")
                    _meta_tag(out, key.strip().lower(), " ".join(element.get("content").split()))
            except (ValueError, etree.LxmlError):
                continue
    for node in json_ld_objects(scripts):
        for key in ("headline", "name", "alternativeHeadline"):
            out["title"] += [(f"json-ld {key}", v) for v in plain(node.get(key))]
        if "author" in node:
            out["author"] += [("json-ld author", v) for v in author_candidates(author_names(node["author"]))]
        for key in ("datePublished", "dateModified", "dateCreated"):
            out["date"] += [(f"json-ld {key}", v) for v in plain(node.get(key))]
    for name, values in (("trafilatura", traf), ("citewarc", cite)):
        for field in META:
            if values.get(field):
                out[field].append((name, values[field]))
    out["date"] += _htmldate(tree, url)
    return {field: [(source, value) for source, value in values if value] for field, values in out.items()}


_TITLE_METAS = {"og:title": "og:title", "twitter:title": "twitter:title", "title": "meta title",
                "headline": "meta headline", "dc.title": "dc.title", "citation_title": "citation_title"}
_AUTHOR_METAS = {"author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                 "citation_author", "byl", "twitter:creator", "cxenseparse:author"}
_DATE_METAS = {"article:published_time", "article:modified_time", "og:published_time", "og:updated_time",
               "date", "pubdate", "publishdate", "dc.date", "dc.date.issued", "citation_date",
               "citation_publication_date", "parsely-pub-date", "sailthru.date", "datepublished",
               "datemodified"}


def _meta_tag(out: dict[str, list[tuple[str, str]]], key: str, value: str) -> None:
    if key in _TITLE_METAS:
        out["title"].append((_TITLE_METAS[key], value))
    elif key in _AUTHOR_METAS:
        out["author"] += [(f"meta {key}", name) for name in author_candidates([value])]
    elif key in _DATE_METAS:
        out["date"].append((f"meta {key}", value))


def _htmldate(tree: Any, url: str) -> list[tuple[str, str]]:
    from htmldate import find_date

    found = []
    for name, original in (("htmldate original", True), ("htmldate updated", False)):
        try:
            value = find_date(tree, url=url, original_date=original, extensive_search=True)
        except Exception:  # noqa: BLE001 - htmldate raises many kinds on odd pages
            value = None
        if value:
            found.append((name, value))
    return found


def page_work(task: tuple[str, str, str, bytes]) -> dict[str, Any]:
    """One page's candidates, in a worker: every extractor's text, every metadata value."""
    from tests.quality.run import run_citewarc, run_trafilatura

    source, page_id, url, raw = task
    html = decode(raw)
    cite = asdict(run_citewarc(html, url))
    traf = asdict(run_trafilatura(html, url))
    meta = meta_candidates(html, url, traf, cite)
    bodies = _ld_bodies(html)
    texts = text_candidates(html, url, {"trafilatura": traf["text"], "citewarc": cite["text"]}, bodies)
    return {"source": source, "id": page_id, "texts": texts, "meta": meta}


def _ld_bodies(html: str) -> list[str]:
    from pipelines.html_tree import parse_page

    tree = parse_page(html).tree
    if tree is None:
        return []
    scripts = [s.text or "" for s in tree.iter("script") if "ld+json" in (s.get("type") or "").lower()]
    return [body for node in json_ld_objects(scripts) for body in plain(node.get("articleBody"))]


def cached_work(pages: list[Page], cache: Path, workers: int) -> list[dict[str, Any]]:
    """``page_work`` of every page, read from ``cache`` when this page's HTML was done before."""
    cache.mkdir(parents=True, exist_ok=True)

    def path(page: Page) -> Path:
        digest = hashlib.sha1(page.html + CACHE_VERSION.encode()).hexdigest()[:16]
        return cache / f"{page.source}-{page.id}-{digest}.json"

    todo = [page for page in pages if not path(page).exists()]
    if todo:
        tasks = [(page.source, page.id, page.url, page.html) for page in todo]
        with ProcessPoolExecutor(workers) as pool:
            for page, work in zip(todo, pool.map(page_work, tasks, chunksize=2), strict=True):
                path(page).write_text(json.dumps(work, ensure_ascii=False), encoding="utf-8")
    return [json.loads(path(page).read_text(encoding="utf-8")) for page in pages]


# --- scoring -------------------------------------------------------------------------------------

def score(pages: list[Page], works: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row a page: each text candidate's score and, per metadata field, the matching sources."""
    rows = []
    for page, work in zip(pages, works, strict=True):
        truth = page.truth
        row: dict[str, Any] = {"source": page.source, "id": page.id, "url": page.url, "meta": {}}
        if "text" in truth:
            row["shingles"] = {name: metrics.shingle_match(truth["text"], text)
                               for name, text in work["texts"].items()}
        else:
            row["snippets"] = {name: metrics.snippet_counts(text or None, truth["with"], truth["without"])
                               for name, text in work["texts"].items()}
        for field in META:
            if (truth.get(field) or "").strip():
                candidates = [tuple(c) for c in work["meta"][field]]
                row["meta"][field] = {"matching": matching(field, truth[field], candidates),
                                      "candidates": len({value for _, value in candidates})}
                if field == "title":
                    parts = [(f"{source} part", part)
                             for source, value in candidates for part in title_parts(value)]
                    row["meta"][field]["right_with_parts"] = bool(matching(field, truth[field],
                                                                           candidates + parts))
        rows.append(row)
    return rows


# Cheaper choices than all eight: trafilatura's own modes and citewarc's text (all from one library).
SUBSETS = {"trafilatura modes + citewarc": ("trafilatura", "trafilatura-recall", "trafilatura-precision",
                                            "citewarc")}
BANDS = (0.5, 0.8, 0.9, 0.95, 0.99)


def _oracle(kind: str, pages: list[dict[str, Any]]) -> tuple[list[str], dict[str, float], list[float]]:
    """The oracle of one source's pages (``kind``: shingles or snippets): choice, scores, page F1s."""
    if kind == "shingles":
        choice, scores, bound = oracle_shingles(pages)
        per_page = [shingle_f1(p[name]) for p, name in zip(pages, choice, strict=True)]
    else:
        choice, scores, bound = oracle_snippets(pages)
        per_page = [snippet_f1(p[name]) for p, name in zip(pages, choice, strict=True)]
    return choice, {"f1": _r(scores.f1), "precision": _r(scores.precision), "recall": _r(scores.recall),
                    "upper_bound_f1": _r(bound)}, per_page


def bands(values: Iterable[float], edges: Sequence[float] = BANDS) -> dict[str, int]:
    """How many values fall below each edge and above the last: {'<0.5': 2, '0.5-0.8': 1, '>=0.99': 7}."""
    middle = [f"{a}-{b}" for a, b in zip(edges, edges[1:], strict=False)]
    labels = [f"<{edges[0]}", *middle, f">={edges[-1]}"]
    counts = dict.fromkeys(labels, 0)
    for value in values:
        index = next((i for i, edge in enumerate(edges) if value < edge), len(edges))
        counts[labels[index]] += 1
    return counts


def text_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each extractor's corpus score, the oracle's, its upper bound, and the pages it leaves low."""
    kind = "shingles" if any("shingles" in row for row in rows) else "snippets"
    scored = [row for row in rows if kind in row]
    if kind == "shingles":
        pages = [{name: tuple(m) for name, m in row[kind].items()} for row in scored]
        extractors = {name: _r(metrics.text_scores([p[name] for p in pages]).f1) for name in TEXT_EXTRACTORS}
        measure = "shingle F1 (Zyte)"
    else:
        pages = [dict(row[kind]) for row in scored]
        extractors = {name: _r(metrics.total(p[name] for p in pages).f1) for name in TEXT_EXTRACTORS}
        measure = "snippet F1 (trafilatura's)"
    choice, oracle, per_page = _oracle(kind, pages)
    oracle["chosen"] = dict(Counter(choice).most_common())
    oracle["mean_page_f1"] = _r(statistics.fmean(per_page))
    oracle["page_f1_bands"] = bands(per_page)
    low = [row["id"] for row, f1 in zip(scored, per_page, strict=True) if f1 < LOW]
    oracle["pages_below_0.8"] = len(low)
    oracle["ids_below_0.8"] = low
    rest = [p for p, f1 in zip(pages, per_page, strict=True) if f1 >= LOW]
    oracle["f1_without_pages_below_0.8"] = _oracle(kind, rest)[1]["f1"] if rest else None
    subsets = {label: _oracle(kind, [{n: p[n] for n in names} for p in pages])[1]["f1"]
               for label, names in SUBSETS.items()}
    return {"measure": measure, "pages": len(scored), "extractors": extractors, "oracle": oracle,
            "oracle_of_fewer_candidates": subsets}


def _r(value: float) -> float:
    return round(value, 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=DEV_SOURCES, action="append",
                        help="only this development source (repeatable); default both")
    parser.add_argument("--limit", type=int, help="only the first N pages of each source")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/citewarc-quality-ceiling"))
    parser.add_argument("--out", type=Path, required=True, help="where to write the numbers (JSON)")
    parser.add_argument("--heldout-totals", action="store_true",
                        help="also the held-out pages' totals (no page ids: they are a check, not for study)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    results: dict[str, Any] = {"sources": {}}
    for source in args.source or DEV_SOURCES:
        pages = load_source(source, args.data)
        pages = pages[:args.limit] if args.limit else pages
        rows = score(pages, cached_work(pages, args.cache, args.workers))
        results["sources"][source] = {"pages": len(pages), "text": text_summary(rows),
                                      "meta": {field: meta_ceiling(rows, field) for field in META}}
    results["meta_dev"] = _meta_dev(list(results["sources"].values()))
    if args.heldout_totals:
        pages = load_source("heldout", args.data)
        rows = score(pages, cached_work(pages, args.cache, args.workers))
        text = text_summary(rows)
        text["oracle"].pop("ids_below_0.8")
        results["heldout_totals"] = {"pages": len(pages), "text": text,
                                     "meta": {field: _totals(meta_ceiling(rows, field)) for field in META}}
    results["wall_s"] = round(time.monotonic() - started, 1)
    print_results(results)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


def _totals(meta: dict[str, Any]) -> dict[str, Any]:
    keys = ("pages", "citewarc", "oracle", "pages_no_candidate_matches", "oracle_with_title_parts")
    return {key: meta[key] for key in keys if key in meta}


def _meta_dev(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The metadata ceiling over both development sources together (as run.py's 'all')."""
    out = {}
    for field in META:
        parts = [block["meta"][field] for block in blocks if block["meta"][field].get("pages")]
        pages = sum(part["pages"] for part in parts)
        if not pages:
            continue
        out[field] = {"pages": pages,
                      "citewarc": _r(sum(part["citewarc"] * part["pages"] for part in parts) / pages),
                      "oracle": _r(sum(part["oracle"] * part["pages"] for part in parts) / pages),
                      "pages_no_candidate_matches": sum(part["pages_no_candidate_matches"] for part in parts)}
        if all("oracle_with_title_parts" in part for part in parts):
            right = sum(part["oracle_with_title_parts"] * part["pages"] for part in parts)
            out[field]["oracle_with_title_parts"] = _r(right / pages)
    return out


def print_results(results: dict[str, Any]) -> None:
    blocks = dict(results["sources"])
    if "heldout_totals" in results:
        blocks["heldout (totals only)"] = results["heldout_totals"]
    for source, block in blocks.items():
        text = block["text"]
        print(f"{source}: {block['pages']} pages, text {text['measure']}")
        for name, value in text["extractors"].items():
            print(f"  {name:<30}{value:.3f}")
        oracle = text["oracle"]
        print(f"  {'ORACLE (per-page choice)':<30}{oracle['f1']:.3f}  (P {oracle['precision']:.3f}, "
              f"R {oracle['recall']:.3f}; upper bound {oracle['upper_bound_f1']:.3f}; "
              f"{oracle['pages_below_0.8']} pages below {LOW}, "
              f"without them {oracle['f1_without_pages_below_0.8']})")
        for label, value in text["oracle_of_fewer_candidates"].items():
            print(f"  {'oracle of ' + label:<40}{value:.3f}")
        for field, meta in block["meta"].items():
            if meta.get("pages"):
                parts = meta.get("oracle_with_title_parts")
                print(f"  {field:<7} citewarc {meta['citewarc']:.3f}  any candidate {meta['oracle']:.3f}  "
                      f"no candidate matches {meta['pages_no_candidate_matches']} of {meta['pages']}"
                      + (f"; with parts of titles {parts:.3f}" if parts is not None else ""))
        print()
    for field, meta in results["meta_dev"].items():
        print(f"dev {field:<7} citewarc {meta['citewarc']:.3f}  "
              f"ceiling (any candidate) {meta['oracle']:.3f}  "
              f"no candidate matches {meta['pages_no_candidate_matches']} of {meta['pages']}"
              + (f"; with parts of titles {meta['oracle_with_title_parts']:.3f}"
                 if "oracle_with_title_parts" in meta else ""))


if __name__ == "__main__":
    raise SystemExit(main())
