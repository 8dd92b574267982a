"""The ceiling measurement's pure helpers: candidates from JSON-LD, matching, and the oracles."""

from __future__ import annotations

import itertools
import json
import random

import pytest

from tests.quality import metrics
from tests.quality.ceiling import (
    author_candidates,
    author_names,
    bands,
    json_ld_objects,
    matching,
    meta_ceiling,
    oracle_shingles,
    oracle_snippets,
    plain,
    shingle_f1,
    title_parts,
)


def test_json_ld_objects_walks_graphs_lists_and_nested_objects_and_skips_bad_scripts():
    graph = {"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "name": "Site"},
        {"@type": "NewsArticle", "headline": "Bridge to close",
         "author": {"@type": "Person", "name": "Ann Lee"}},
    ]}
    objects = json_ld_objects([json.dumps(graph), "{not json", json.dumps([{"@type": "Organization"}])])
    kinds = [o.get("@type") for o in objects]
    assert kinds == [None, "WebPage", "NewsArticle", "Person", "Organization"]


def test_plain_and_author_names_read_strings_objects_and_lists():
    assert plain("Tom &amp;  Jerry") == ["Tom & Jerry"]
    assert plain(["", "A", 3]) == ["A"]
    names = author_names([{"name": "Ann Lee"}, "Bo Chan", {"name": "Ann Lee"}, {"url": "x"}])
    assert names == ["Ann Lee", "Bo Chan"]
    assert author_names(None) == []


def test_author_candidates_offer_each_name_and_all_together():
    assert author_candidates(["Ann Lee"]) == ["Ann Lee"]
    assert author_candidates(["Ann Lee", "Bo Chan", "Ann Lee"]) == ["Ann Lee", "Bo Chan", "Ann Lee, Bo Chan"]
    # the joined candidate is what a two-author label needs under the measure
    assert metrics.same_author("Bo Chan and Ann Lee", author_candidates(["Ann Lee", "Bo Chan"])[-1])


def test_matching_uses_the_run_measure():
    candidates = [("<title>", "Bridge to close | News"), ("og:title", "Bridge to Close!"), ("empty", None)]
    assert matching("title", "Bridge to close", candidates) == ["og:title"]
    assert matching("date", "2024-05-01", [("a", "2024-05-01T10:00Z"), ("b", "2024-05-02")]) == ["a"]
    assert matching("author", "By Ann Lee", [("x", "Ann Lee, Bo Chan")]) == []


def test_shingle_oracle_picks_per_page_and_bounds_from_above():
    good, bad = (1.0, 0.0, 0.0), (0.2, 0.4, 0.4)
    pages = [{"a": good, "b": bad}, {"a": bad, "b": good}]
    choice, scores, bound = oracle_shingles(pages)
    assert choice == ["a", "b"]
    assert scores.f1 == pytest.approx(1.0) and bound == pytest.approx(1.0)
    # a page where one candidate is precise and another complete: the bound takes both at once
    pages = [{"precise": (0.5, 0.0, 0.5), "complete": (0.5, 0.5, 0.0)}]
    choice, scores, bound = oracle_shingles(pages)
    assert scores.f1 == pytest.approx(shingle_f1(pages[0][choice[0]]))
    assert scores.f1 == pytest.approx(2 / 3) and bound == pytest.approx(0.75)


def _random_shingles(rng: random.Random, pages: int, names: str) -> list[dict[str, tuple]]:
    out = []
    for _ in range(pages):
        cands = {}
        for name in names:
            tp, fp, fn = rng.random(), rng.random() * rng.random(), rng.random() * rng.random()
            cands[name] = (tp / (tp + fp + fn), fp / (tp + fp + fn), fn / (tp + fp + fn))
        out.append(cands)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_shingle_oracle_finds_the_best_choice_and_the_bound_is_above_it(seed):
    rng = random.Random(seed)
    pages = _random_shingles(rng, 5, "abc")
    best = max(metrics.text_scores([pages[i][n] for i, n in enumerate(choice)]).f1
               for choice in itertools.product("abc", repeat=5))
    _, scores, bound = oracle_shingles(pages)
    assert scores.f1 == pytest.approx(best)
    assert bound >= best - 1e-9


@pytest.mark.parametrize("seed", range(6))
def test_snippet_oracle_is_exact(seed):
    rng = random.Random(seed)
    pages = []
    for _ in range(5):
        wanted = rng.randint(1, 4)
        cands = {}
        for name in "abc":
            tp, fp = rng.randint(0, wanted), rng.randint(0, 2)
            cands[name] = metrics.Confusion(tp=tp, fp=fp, fn=wanted - tp, tn=0)
        pages.append(cands)
    best = max(metrics.total(pages[i][n] for i, n in enumerate(choice)).f1
               for choice in itertools.product("abc", repeat=5))
    _, counts, bound = oracle_snippets(pages)
    assert counts.f1 == pytest.approx(best) and bound == pytest.approx(best)


def test_snippet_oracle_maximises_the_summed_score():
    right = metrics.Confusion(tp=2, fp=0, fn=0, tn=1)
    noisy = metrics.Confusion(tp=2, fp=1, fn=0, tn=0)
    short = metrics.Confusion(tp=1, fp=0, fn=1, tn=1)
    choice, counts, bound = oracle_snippets([{"x": noisy, "y": right}, {"x": short, "y": noisy}])
    assert choice == ["y", "x"] or choice == ["y", "y"]
    assert counts.f1 == pytest.approx(max(metrics.total([right, short]).f1, metrics.total([right, noisy]).f1))
    assert bound >= counts.f1


def test_meta_ceiling_counts_pages_any_candidate_gets_right():
    rows = [{"meta": {"title": {"matching": ["citewarc", "<title>"]}}},
            {"meta": {"title": {"matching": ["og:title"]}}},
            {"meta": {"title": {"matching": []}}},
            {"meta": {}}]
    ceiling = meta_ceiling(rows, "title")
    assert ceiling["pages"] == 3
    assert ceiling["citewarc"] == pytest.approx(1 / 3) and ceiling["oracle"] == pytest.approx(2 / 3)
    assert ceiling["pages_no_candidate_matches"] == 1
    assert ceiling["pages_right_but_not_citewarc"] == 1
    assert ceiling["right_by_source"] == {"citewarc": 1, "<title>": 1, "og:title": 1}


def test_bands_count_each_value_once():
    assert bands([0.1, 0.5, 0.79, 0.99, 1.0], (0.5, 0.8, 0.99)) == {"<0.5": 1, "0.5-0.8": 2, "0.8-0.99": 0,
                                                                     ">=0.99": 2}


def test_title_parts_cut_at_site_separators_only():
    assert title_parts("Bridge to close") == []
    parts = title_parts("Bridge to close – Repairs next spring | City News")
    assert "Bridge to close" in parts and "City News" in parts
    assert metrics.same_title("Bridge to close: Repairs next spring", "Bridge to close - Repairs next spring")
    assert "Bridge to close - Repairs next spring" in parts
    assert "Headline" in title_parts("Blog: Headline")
    # a hyphen inside a word is no separator
    assert title_parts("Long-term care costs") == []
