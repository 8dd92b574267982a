"""The development set's measures on hand-worked vectors (tests/quality/metrics.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.web.urls import canonical_url
from tests.quality.metrics import (
    Confusion,
    author_set,
    citation_counts,
    citations_outside,
    exact_tokens,
    labeller_agreement,
    norm_date,
    precision_score,
    recall_score,
    same_author,
    same_date,
    same_language,
    same_title,
    shingle_match,
    shingles,
    snippet_counts,
    text_scores,
    tokens,
    total,
)


def test_tokens_keep_case_and_drop_punctuation():
    assert tokens("Hello, World! It's 2024.") == ["Hello", "World", "It", "s", "2024"]
    assert tokens(None) == []


def test_short_text_is_one_shingle_and_empty_text_none():
    assert shingles("one two") == Counter({("one", "two"): 1})
    assert shingles("") == Counter()
    assert shingles("a b c d e") == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})


def test_identical_texts_match_fully_whatever_punctuation():
    assert shingle_match("Hello, world! foo bar.", "Hello world foo bar") == (1.0, 0.0, 0.0)


def test_empty_prediction_is_all_false_negative():
    assert shingle_match("a b c d", "") == (0.0, 0.0, 1.0)


def test_empty_truth_is_all_false_positive_and_both_empty_all_zero():
    assert shingle_match("", "x y") == (0.0, 1.0, 0.0)
    assert shingle_match("", None) == (0.0, 0.0, 0.0)


def test_fewer_than_four_tokens_compare_as_one_shingle():
    assert shingle_match("one two", "one two") == (1.0, 0.0, 0.0)
    assert shingle_match("one two", "one two three") == (0.0, 0.5, 0.5)


def test_repeated_paragraph_counts_its_extra_shingles_as_false_positives():
    # "a b c d e a b c d e" has 7 shingles; 2 of them are the truth's.
    tp, fp, fn = shingle_match("a b c d e", "a b c d e a b c d e")
    assert (tp, fp, fn) == pytest.approx((2 / 7, 5 / 7, 0.0))


def test_case_is_not_folded():
    assert shingle_match("Hello world foo bar", "hello world foo bar") == (0.0, 0.5, 0.5)


def test_page_scores_follow_zyte_edge_cases():
    assert precision_score(0, 0, 0) == 1.0 and recall_score(0, 0, 0) == 1.0
    assert precision_score(0, 0, 1) == 0.0 and recall_score(0, 1, 0) == 0.0
    assert precision_score(0.5, 0.25, 0.25) == pytest.approx(2 / 3)


def test_corpus_f1_is_f1_of_mean_precision_and_mean_recall():
    perfect, empty_output, both_empty = (1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, 0.0)
    scores = text_scores([perfect, empty_output, both_empty], [True, False, True])
    # precision over pages with output (1 page), recall over pages with truth (2 pages)
    assert scores.precision == 1.0
    assert scores.recall == 0.5
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.accuracy == pytest.approx(2 / 3)
    assert (scores.pages, scores.pages_with_output) == (3, 1)
    half = (0.5, 0.5, 0.0)
    mixed = text_scores([perfect, half])
    assert mixed.precision == pytest.approx(0.75) and mixed.recall == 1.0
    assert mixed.f1 == pytest.approx(2 * 0.75 / 1.75)  # not the mean of the page F1s (0.833)


def test_no_pages_score_zero():
    assert text_scores([]).f1 == 0.0


def test_exact_tokens():
    assert exact_tokens("A b, c", "A  b c")
    assert not exact_tokens("A b c", "a b c")


def test_snippets_match_after_whitespace_normalisation_case_kept():
    wanted, unwanted = ["Hello world", "absent", "hello world"], ["again", "nope"]
    counts = snippet_counts("Hello   world\nagain", wanted, unwanted)
    assert counts == Confusion(tp=1, fp=1, fn=2, tn=1)
    assert snippet_counts(None, ["a"], ["b"]) == Confusion(tp=0, fp=0, fn=1, tn=1)
    summed = total([Confusion(1, 1, 0, 0), Confusion(1, 0, 2, 3)])
    assert summed == Confusion(2, 1, 2, 3)
    assert summed.precision == pytest.approx(2 / 3) and summed.recall == 0.5
    assert summed.f1 == pytest.approx(4 / 7)
    assert Confusion().f1 == 0.0 and Confusion().precision == 0.0


def test_title_ignores_case_whitespace_and_punctuation_but_not_a_site_suffix():
    assert same_title("Top 10 Health Trends: 2025!", "top 10  health trends 2025")
    assert not same_title("Top 10 Health Trends", "Top 10 Health Trends | Tastewise")
    assert not same_title("", "")


def test_author_drops_by_and_ignores_order():
    assert author_set("By Jane Doe and John Smith") == {"jane doe", "john smith"}
    assert same_author("Jane Doe, John Smith", "by John Smith & Jane Doe")
    assert same_author("Benjamin Fischer und Marcus Theurer", "Marcus Theurer; Benjamin Fischer")
    assert same_author("John E. Smith", "john e smith")
    assert same_author("Danielle DeSiato, Donna Enzmann, and Natalie Nguyen",
                       "Danielle DeSiato; Donna Enzmann; Natalie Nguyen")
    assert same_author("Dylan Bailey, MS, RD", "Dylan Bailey; MS; RD")
    assert not same_author("Anderson Cooper", "Cooper")
    assert not same_author("Jane Doe", "Jane Doe, John Smith")
    assert not same_author(None, None)


def test_dates_compare_as_days():
    assert norm_date("2024-05-01T10:00:00+02:00") == "2024-05-01"
    assert norm_date("2024/5/1") == "2024-05-01"
    assert norm_date("1.5.2024") == "2024-05-01"
    assert norm_date("May 2024") is None
    assert same_date("2024-05-01", "2024-05-01T23:59Z")
    assert not same_date("2024-05-01", "2024-05-02")
    assert not same_date("", "2024-05-02")


def test_language_compares_primary_subtags():
    assert same_language("en", "en-GB")
    assert not same_language("de", "en")
    assert not same_language("", None)


def _fake_canonical(url: str) -> str:
    if "bad" in url:
        raise ValueError(url)
    return url.lower().rstrip("/")


def test_citations_pool_reported_against_cited_labels():
    labels = [
        {"url": "https://a.example/x", "cited": True},
        {"url": "https://b.example/y", "cited": True},
        {"url": "https://c.example/related", "cited": False},
    ]
    reported = ["https://A.example/x/", "https://a.example/x", "https://c.example/related",
                "https://d.example/never-in-pool"]
    assert citation_counts(reported, labels, _fake_canonical) == Confusion(tp=1, fp=2, fn=1)


def test_citation_falls_back_to_raw_url_when_canonical_refuses():
    labels = [{"url": "https://bad.example/[", "cited": True}]
    assert citation_counts(["https://bad.example/["], labels, _fake_canonical) == Confusion(tp=1)
    assert citation_counts(["https://bad.example/[/"], labels, _fake_canonical) == Confusion(fp=1, fn=1)


def test_citations_use_the_crawlers_canonical_url():
    labels = [{"url": "https://example.com/story", "cited": True}]
    reported = ["https://example.com/story?utm_source=feed"]
    assert citation_counts(reported, labels, canonical_url) == Confusion(tp=1)


def test_no_labels_no_reports():
    assert citation_counts([], [], canonical_url) == Confusion()


def test_labeller_agreement_discounts_chance():
    first = {"a": True, "b": True, "c": False, "d": True}
    second = {"a": True, "b": False, "c": False, "d": True, "e": True}
    agreement = labeller_agreement(first, second)
    assert agreement.links == 4
    assert agreement.observed == 0.75
    # chance: p1 = 0.75, p2 = 0.5 -> 0.5; kappa = (0.75 - 0.5) / 0.5
    assert agreement.kappa == 0.5
    assert labeller_agreement({}, second).links == 0


def test_citations_outside_counts_reported_links_nobody_judged():
    labels = [{"url": "https://a.example/x", "cited": True}, {"url": "https://a.example/nav", "cited": False}]
    reported = ["https://a.example/x", "https://a.example/nav", "https://b.example/menu",
                "https://b.example/menu#top"]
    assert citations_outside(reported, labels, canonical_url) == 1
