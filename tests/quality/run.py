"""``make quality``: citewarc's text, metadata and citations against the labelled development set,
beside trafilatura alone with its default options.

Reads the committed archives (``tests/quality/data``, no network) and runs both contenders on every
page in a process pool:

- **trafilatura** (the baseline, trafilatura alone, default options): text
  ``trafilatura.extract(html, url=url)``; metadata ``trafilatura.extract_metadata(html, url)`` (title,
  author, date; trafilatura gives no language without a language detector installed and a target
  language asked for, so its language is always missing); citations every ``<ref target>`` of
  ``trafilatura.extract(html, url=url, output_format="xml", include_links=True)``, resolved against the
  page URL. Its CPU time is the text call's alone.
- **citewarc**: ``crawler.web.analysis.analyse_page`` exactly as the crawl calls it; its CPU time is the
  whole call (text, metadata and citations from one parse).

The two run in alternating order from page to page, so neither always meets a warm cache. Scores (see
``metrics.py``): Zyte's shingle precision/recall/F1 where the truth is a full text (WCXB, and Zyte's
own pages with ``--external``), trafilatura's snippet precision/recall/F1 where it is snippets, pages
with no text, metadata accuracy per field over the pages that carry that label, citation
precision/recall/F1 pooled over the pages with citation labels, CPU ms per page, and which path of
citewarc's extraction produced the text (when the extraction reports it).

    .venv/bin/python tests/quality/run.py [--source wcxb] [--limit N] [--workers 2]
        [--labels tests/quality/citations.jsonl | DIR] [--pages-out rows.jsonl] [--external ZYTE_REPO]

Writes the numbers to ``tests/quality/results.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from tests.quality import metrics  # noqa: E402
from tests.quality.devset import ARCHIVES, CHECKS, Page, decode, load_labels, load_source  # noqa: E402

CONTENDERS = ("trafilatura", "citewarc")
META_FIELDS = ("title", "author", "date", "language")


@dataclass
class Output:
    """What one contender made of one page."""

    text: str = ""
    title: str | None = None
    author: str | None = None
    date: str | None = None
    language: str | None = None
    citations: list[str] = field(default_factory=list)
    cpu_s: float = 0.0
    path: str | None = None  # which extraction path produced the text (citewarc, when reported)
    error: str | None = None


def run_trafilatura(html: str, url: str) -> Output:
    import trafilatura
    from lxml import etree

    start = time.process_time()
    text = trafilatura.extract(html, url=url) or ""
    out = Output(text=text, cpu_s=time.process_time() - start)
    meta = trafilatura.extract_metadata(html, default_url=url)
    if meta is not None:
        out.title, out.author, out.date = meta.title, meta.author, meta.date
        out.language = getattr(meta, "language", None)
    xml = trafilatura.extract(html, url=url, output_format="xml", include_links=True)
    if xml:
        try:
            tree = etree.fromstring(xml.encode("utf-8"))
            out.citations = [urljoin(url, ref.get("target")) for ref in tree.iter("ref") if ref.get("target")]
        except etree.XMLSyntaxError as exc:
            out.error = f"xml: {exc}"
    return out


def run_citewarc(html: str, url: str) -> Output:
    from crawler.web.analysis import analyse_page
    from pipelines.extract import ExtractOptions

    start = time.process_time()
    result = analyse_page(html, url, None, ExtractOptions(), want_text=True, want_requisites=False)
    spent = time.process_time() - start
    data = result.extraction or {}
    path = data.get("extraction_path")
    return Output(text=data.get("text") or "", title=data.get("title"), author=data.get("author"),
                  date=data.get("date"), language=data.get("language"),
                  citations=[c["url"] for c in result.citations], cpu_s=spent,
                  path=str(path) if path is not None else None)


RUNNERS = {"trafilatura": run_trafilatura, "citewarc": run_citewarc}


def run_page(task: tuple[int, str, bytes]) -> dict[str, dict]:
    """Both contenders on one page, in a worker; a crash is recorded and scores as no output."""
    index, url, raw = task
    html = decode(raw)
    order = CONTENDERS if index % 2 == 0 else CONTENDERS[::-1]
    outputs = {}
    for name in order:
        try:
            outputs[name] = asdict(RUNNERS[name](html, url))
        except Exception as exc:  # noqa: BLE001 - one page's failure must not stop the run
            outputs[name] = asdict(Output(error=f"{type(exc).__name__}: {exc}"[:300]))
    return outputs


def warm_up() -> None:
    """Import both contenders and run them once, so no page pays for a worker's first call."""
    html = "<html><body><article><p>" + "Warm up text. " * 40 + "</p></article></body></html>"
    for runner in RUNNERS.values():
        runner(html, "http://warm.up/")


def labeller_agreement(first: dict, second: dict) -> metrics.Agreement:
    """Agreement of the second labeller with the first, link by link, over the pages both labelled."""
    verdicts: tuple[dict[str, bool], dict[str, bool]] = ({}, {})
    for key, record in second.items():
        if key not in first:
            continue
        for side, labels in zip(verdicts, (first[key], record), strict=True):
            side.update({f"{key}|{link['url']}": bool(link["cited"]) for link in labels["links"]})
    return metrics.labeller_agreement(*verdicts)


def score_page(page: Page, out: dict, labels: dict | None) -> dict:
    """One page's row: its text score, metadata judgements and citation counts."""
    truth = page.truth
    row: dict = {"source": page.source, "id": page.id, "url": page.url, "chars": len(out["text"]),
                 "empty": not out["text"].strip(), "cpu_ms": round(out["cpu_s"] * 1000, 2),
                 "path": out["path"], "error": out["error"]}
    if "text" in truth:
        row["shingles"] = metrics.shingle_match(truth["text"], out["text"])
        row["accurate"] = metrics.exact_tokens(truth["text"], out["text"])
    else:
        row["snippets"] = asdict(metrics.snippet_counts(out["text"], truth["with"], truth["without"]))
    row["meta"] = {name: metrics.FIELDS[name](truth.get(name), out[name])
                   for name in META_FIELDS if (truth.get(name) or "").strip()}
    row["predicted"] = {name: out[name] for name in META_FIELDS}
    if labels is not None:
        row["citations"] = asdict(metrics.citation_counts(out["citations"], labels["links"], canonical))
        row["citations_outside"] = metrics.citations_outside(out["citations"], labels["links"], canonical)
        cited = {metrics.citation_key(link["url"], canonical)
                 for link in labels["links"] if link.get("cited")}
        found = {metrics.citation_key(url, canonical) for url in out["citations"]}
        row["false_citations"] = sorted(found - cited)  # for analysis: what was reported but not cited
        row["missed_citations"] = sorted(cited - found)
    return row


def canonical(url: str) -> str:
    from crawler.web.urls import canonical_url

    return canonical_url(url)


def summarise(rows: list[dict]) -> dict:
    """One contender's numbers over some pages."""
    summary: dict = {"pages": len(rows), "no_text": sum(r["empty"] for r in rows),
                     "errors": sum(1 for r in rows if r["error"])}
    full = [r for r in rows if "shingles" in r]
    if full:
        summary["text"] = asdict(metrics.text_scores([tuple(r["shingles"]) for r in full],
                                                     [r["accurate"] for r in full]))
    snip = [r for r in rows if "snippets" in r]
    if snip:
        counts = metrics.total(metrics.Confusion(**r["snippets"]) for r in snip)
        summary["snippets"] = {"precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
                               "pages": len(snip), **asdict(counts)}
    summary["meta"] = {}
    for name in META_FIELDS:
        judged = [r["meta"][name] for r in rows if name in r["meta"]]
        if judged:
            summary["meta"][name] = {"accuracy": sum(judged) / len(judged), "pages": len(judged)}
    cited = [r for r in rows if "citations" in r]
    if cited:
        counts = metrics.total(metrics.Confusion(**r["citations"]) for r in cited)
        outside = sum(r.get("citations_outside", 0) for r in cited)
        judged_fp = counts.fp - outside
        summary["citations"] = {"precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
                                "pages": len(cited), "tp": counts.tp, "fp": counts.fp, "fn": counts.fn,
                                "outside_labelled_text": outside,
                                "precision_inside": counts.tp / (counts.tp + judged_fp) if counts.tp else 0.0}
    times = [r["cpu_ms"] for r in rows]
    if times:
        summary["cpu_ms_median"] = statistics.median(times)
        summary["cpu_ms_mean"] = statistics.fmean(times)
    paths = Counter(r["path"] for r in rows if r["path"] is not None)
    if paths:
        summary["extraction_path"] = dict(paths.most_common())
    return summary


def external_pages(root: Path) -> list[Page]:
    """Zyte's article-extraction-benchmark (a checkout or its bare repository): html/*.html.gz and
    ground-truth.json's articleBody. Scored, never committed."""
    from tests.quality.build_devset import open_tree

    tree = open_tree(root, "HEAD", "")
    truth = json.loads(tree.read("ground-truth.json") or b"{}")
    pages = []
    for key in sorted(truth):
        raw = tree.read(f"html/{key}.html.gz")
        if raw is None:
            continue
        item = truth[key]
        pages.append(Page("zyte", key, item.get("url") or "", gzip.decompress(raw),
                          {"text": item.get("articleBody") or ""}))
    return pages


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(results: dict) -> None:
    """One screen: a block per source and overall, a row per contender."""
    header = (f"{'':<15}{'text':>8}{'pages':>6}{'P':>7}{'R':>7}{'F1':>7}{'notext':>7} | "
              f"{'title':>6}{'author':>7}{'date':>6}{'lang':>6} | {'citP':>6}{'citR':>6}{'citF1':>6}"
              f"{'(pg)':>5} | {'ms med':>7}{'mean':>7}")
    print(header)
    print("-" * len(header))
    for group, by_contender in results["groups"].items():
        for name in CONTENDERS:
            s = by_contender.get(name)
            if s is None:
                continue
            if "text" not in s:
                kind, text = "snippet", s.get("snippets", {})
            else:
                kind, text = ("shingle*" if "snippets" in s else "shingle"), s["text"]
            meta = s.get("meta", {})
            cit = s.get("citations", {})
            label = f"{group[:6]} {name[:8]}"
            print(f"{label:<15}{kind:>8}{s['pages']:>6}{_fmt(text.get('precision')):>7}"
                  f"{_fmt(text.get('recall')):>7}{_fmt(text.get('f1')):>7}{s['no_text']:>7} | "
                  f"{_fmt(meta.get('title', {}).get('accuracy'), 2):>6}"
                  f"{_fmt(meta.get('author', {}).get('accuracy'), 2):>7}"
                  f"{_fmt(meta.get('date', {}).get('accuracy'), 2):>6}"
                  f"{_fmt(meta.get('language', {}).get('accuracy'), 2):>6} | "
                  f"{_fmt(cit.get('precision'), 2):>6}{_fmt(cit.get('recall'), 2):>6}"
                  f"{_fmt(cit.get('f1'), 2):>6}{cit.get('pages', 0):>5} | "
                  f"{_fmt(s.get('cpu_ms_median'), 1):>7}{_fmt(s.get('cpu_ms_mean'), 1):>7}")
        print()
    notes = ["P/R/F1: Zyte's shingle measure (shingle), trafilatura's snippet score (snippet); "
             "'all' mixes them, so its text columns are the shingle sources' only (shingle*).",
             "Metadata: accuracy over the pages carrying that label; trafilatura alone gives no language.",
             "Citations: pooled over the pages with citation labels (pg); ms: extraction CPU per page "
             "(trafilatura: its text call only; citewarc: analyse_page)."]
    for name in CONTENDERS:
        paths = results["groups"].get("all", {}).get(name, {}).get("extraction_path")
        if paths:
            notes.append(f"{name} extraction paths: " + ", ".join(f"{k} {v}" for k, v in paths.items()))
    for group, by_contender in results["groups"].items():
        for name in CONTENDERS:
            cit = by_contender.get(name, {}).get("citations")
            if cit:
                notes.append(f"{group} {name} citations: {cit['outside_labelled_text']} of {cit['fp']} "
                             "false ones come from outside the labelled text (what extraction let in); "
                             f"on the judged links alone precision is {cit['precision_inside']:.3f}.")
    for note in notes:
        print(note)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", choices=list(ARCHIVES), action="append",
                        help="only this source (repeatable); default all")
    parser.add_argument("--limit", type=int, help="only the first N pages of each source")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--second-labels", type=Path, default=HERE / "citations-second-labeller.jsonl",
                        help="a second labeller's independent labels of some pages, for agreement")
    parser.add_argument("--heldout-labels", type=Path, default=HERE / "citations-heldout.jsonl",
                        help="citation labels of the held-out pages")
    parser.add_argument("--labels", type=Path, default=HERE / "citations.jsonl",
                        help="citation labels: citations.jsonl, or a directory of <id>.json files")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--pages-out", type=Path, help="write one row per page and contender (JSONL)")
    parser.add_argument("--external", type=Path,
                        help="Zyte's article-extraction-benchmark (checkout or bare repo): scored apart")
    args = parser.parse_args(argv)

    started = time.monotonic()
    pages: list[Page] = []
    for source in args.source or list(ARCHIVES):
        loaded = load_source(source, args.data)
        pages.extend(loaded[:args.limit] if args.limit else loaded)
    if args.external:
        pages.extend(external_pages(args.external))
    labels = {**load_labels(args.labels), **load_labels(args.heldout_labels)}
    tasks = [(i, page.url, page.html) for i, page in enumerate(pages)]
    with ProcessPoolExecutor(args.workers, initializer=warm_up) as pool:
        outputs = list(pool.map(run_page, tasks, chunksize=4))

    rows: dict[str, list[dict]] = {name: [] for name in CONTENDERS}
    for page, out in zip(pages, outputs, strict=True):
        for name in CONTENDERS:
            row = score_page(page, out[name], labels.get(page.key))
            rows[name].append({"contender": name, **row})
    groups: dict[str, dict] = {}
    sources = list(dict.fromkeys(page.source for page in pages))
    for group in [*sources, "all"]:
        groups[group] = {}
        for name in CONTENDERS:
            chosen = [r for r in rows[name]
                      if r["source"] == group or (group == "all" and r["source"] not in CHECKS)]
            if chosen:
                groups[group][name] = summarise(chosen)
    labelled = sum(1 for page in pages if page.key in labels)
    results = {"pages": len([p for p in pages if p.source not in CHECKS]),
               "labelled_citation_pages": labelled,
               "workers": args.workers, "wall_s": round(time.monotonic() - started, 1), "groups": groups}
    print(f"{results['pages']} dev-set pages ({', '.join(sources)}), {labelled} with citation labels, "
          f"{args.workers} processes, {results['wall_s']} s\n")
    print_table(results)
    agreement = labeller_agreement(labels, load_labels(args.second_labels))
    if agreement.links:
        results["labeller_agreement"] = asdict(agreement)
        print(f"Citation labels: two labellers agree on {agreement.observed:.3f} of {agreement.links} links "
              f"judged by both (Cohen's kappa {agreement.kappa:.2f}).")
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.pages_out:
        with args.pages_out.open("w", encoding="utf-8") as handle:
            for name in CONTENDERS:
                for row in rows[name]:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
