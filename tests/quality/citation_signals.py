"""Citation precision and recall against the hand labels, for the full decision and with each
signal switched off (what each signal buys).

Each labelled page is analysed as the crawl analyses it (``crawler.web.analysis.analyse_page``
with the crawl's ``ExtractOptions``); the ablations re-run only the decision
(``crawler.web.citations.judge_page``) on the same extraction. Scores are pooled over pages:
precision = reported URLs labelled cited / reported URLs (a reported link outside the labelled
main text counts against precision: it is navigation the extraction leaked), recall = labelled
citations reported / labelled citations. URLs compare by ``crawler.web.urls.canonical_url``.

The ``repetition`` signal needs other pages of the same site: here it is measured on the
development set's pages that share a labelled page's host (few do), as the spider applies it in a
crawl. Pages come from the committed archives (``devset.py``).

Run: ``python -m tests.quality.citation_signals [LABELS_DIR_OR_JSONL] [-v]`` (labels default to
``tests/quality/citations.jsonl``, the development pages; ``citations-heldout.jsonl`` scores the
held-out ones; ``-v`` lists each page's false positives and misses with the decision's reason).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from crawler.web.analysis import analyse_page, found_in_tree
from crawler.web.citations import SIGNALS, judge_page
from crawler.web.citations.repetition import SiteRepetition
from crawler.web.urls import InvalidURL, canonical_url
from pipelines.extract import ExtractOptions, extract_html
from pipelines.html_tree import parse_page
from tests.quality.devset import ARCHIVES, Page, decode, load_source

HERE = Path(__file__).parent
DEFAULT_LABELS = HERE / "citations.jsonl"


@dataclass
class Score:
    reported: int = 0
    true_positive: int = 0
    cited: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positive / self.reported if self.reported else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.cited if self.cited else 1.0


def canon(url: str) -> str:
    try:
        return canonical_url(url)
    except InvalidURL:
        return url


def load_labels(source: Path) -> list[dict]:
    if source.is_dir():
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(source.glob("*.json"))]
    return [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]


def site_peers(pages: dict[tuple[str, str], Page]) -> dict[str, list[Page]]:
    """Every page of the set, by host."""
    peers: dict[str, list[Page]] = defaultdict(list)
    for page in pages.values():
        peers[urlsplit(page.url).hostname or ""].append(page)
    return peers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="?", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    labels = load_labels(args.labels)
    options = ExtractOptions()
    pages = {page.key: page for source in ARCHIVES for page in load_source(source)}
    peers = site_peers(pages)
    configs = {"full": SIGNALS, **{f"without {s}": SIGNALS - {s} for s in sorted(SIGNALS)},
               "trafilatura links only": SIGNALS, "no signal": frozenset()}
    scores = {name: Score() for name in configs}
    reasons: dict[str, int] = defaultdict(int)
    by_reason: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # reason -> [false, true] positives
    for label in labels:
        page_id, url = label["id"], label["url"]
        html = decode(pages[(label["source"], page_id)].html)
        analysis = analyse_page(html, url, None, options, want_text=True, want_requisites=False)
        page = parse_page(html)
        extraction = extract_html(html, url, None, options, page)
        located = found_in_tree(page, extraction, url)  # as analyse_page: dropped tables' links too
        repetition = SiteRepetition()
        for peer_page in peers.get(urlsplit(url).hostname or "", []):
            if peer_page.id != page_id:
                peer_url = peer_page.url
                peer = extract_html(decode(peer_page.html), peer_url)
                judged = judge_page(peer.links, peer.text, peer_url, peer.author)
                repetition.add(peer_url, [c.record() for c in judged.cited],
                               [n.record() for n in judged.not_cited])
        cited = {canon(link["url"]) for link in label["links"] if link["cited"]}
        labelled = {canon(link["url"]): link for link in label["links"]}
        for name, signals in configs.items():
            links = extraction.links if name == "trafilatura links only" else extraction.links + located
            judged = judge_page(links, extraction.text, url, extraction.author, signals, extraction.code)
            if "repetition" in signals and repetition.pages:
                kept, _ = repetition.apply(url, [c.record() for c in judged.cited], [])
                judged.cited = [c for c in judged.cited if c.url in {k["url"] for k in kept}]
            if name == "full":
                assert repetition.pages or [c.url for c in judged.cited] == [
                    c["url"] for c in analysis.citations], f"{page_id}: analyse_page and judge_page disagree"
                for item in judged.not_cited:
                    reasons[item.reason.split(":")[0]] += 1
            reported = {canon(c.url): c for c in judged.cited}
            score = scores[name]
            score.reported += len(reported)
            score.cited += len(cited)
            score.true_positive += len(reported.keys() & cited)
            if name == "full":
                for key, citation in reported.items():
                    by_reason[citation.reason.split(":")[0]][key in cited] += 1
                for key in sorted(reported.keys() - cited):
                    where = labelled[key]["category"] if key in labelled else "not in labelled text"
                    score.false_positives.append(f"{page_id} {key} [{where}] {reported[key].reason[:70]}")
                why = {canon(n.url): n.reason for n in judged.not_cited}
                for key in sorted(cited - reported.keys()):
                    score.misses.append(f"{page_id} {key} [{labelled[key]['category']}] "
                                        f"{why.get(key, 'not in the extraction')[:70]}")
    print(f"{len(labels)} labelled pages, {scores['full'].cited} labelled citations")
    print(f"{'decision':<22} {'precision':>9} {'recall':>7} {'reported':>8}")
    for name, score in scores.items():
        print(f"{name:<22} {score.precision:>9.3f} {score.recall:>7.3f} {score.reported:>8}")
    print("reasons of links not cited:", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(),
                                                                               key=lambda kv: -kv[1])))
    full = scores["full"]
    outside = sum("[not in labelled text]" in line for line in full.false_positives)
    written = sum("[not in labelled text] bare-text" in line or "[not in labelled text] doi" in line
                  for line in full.false_positives)
    unextracted = sum(line.endswith("not in the extraction") for line in full.misses)
    print(f"false positives: {len(full.false_positives)}, of which {outside} outside the labelled links "
          f"({written} of them written-out URLs or DOIs, which the link pool does not list); misses: "
          f"{len(full.misses)}, of which {unextracted} not in the extracted text")
    ranked = sorted(by_reason.items(), key=lambda kv: -sum(kv[1]))
    print("precision by reason cited:", ", ".join(f"{k} {v[1] / sum(v):.2f} ({sum(v)})" for k, v in ranked))
    if args.verbose:
        print("\nfalse positives:", *scores["full"].false_positives, sep="\n  ")
        print("\nmisses:", *scores["full"].misses, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
