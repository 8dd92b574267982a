"""make quality's scoring of one page and its summary (no extraction run)."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from tests.quality.devset import Page
from tests.quality.run import Output, score_page, summarise

TEXT = "The council voted on Tuesday to close the old bridge for repairs next spring."


def _full_page() -> Page:
    truth = {"text": TEXT, "title": "Bridge to close", "author": "Ann Lee", "date": "2024-05-01",
             "language": "en"}
    return Page("wcxb", "0001", "https://news.example/bridge", b"", truth)


def test_a_page_row_scores_text_metadata_and_citations():
    out = asdict(Output(text=TEXT, title="Bridge to close | News", author="By Ann Lee", date="2024-05-01",
                        language="en-GB", citations=["https://gov.example/report", "https://news.example/tag/x"],
                        cpu_s=0.012))
    labels = {"links": [{"url": "https://gov.example/report", "cited": True},
                        {"url": "https://court.example/ruling", "cited": True}]}
    row = score_page(_full_page(), out, labels)
    assert row["shingles"] == (1.0, 0.0, 0.0) and row["accurate"]
    assert row["meta"] == {"title": False, "author": True, "date": True, "language": True}
    assert row["citations"] == {"tp": 1, "fp": 1, "fn": 1, "tn": 0}
    assert row["false_citations"] == ["https://news.example/tag/x"]
    assert row["missed_citations"] == ["https://court.example/ruling"]
    summary = summarise([row])
    assert summary["text"]["f1"] == 1.0
    assert summary["citations"]["precision"] == 0.5 and summary["citations"]["recall"] == 0.5
    assert summary["meta"]["title"] == {"accuracy": 0.0, "pages": 1}
    assert summary["cpu_ms_median"] == pytest.approx(12.0)


def test_a_page_without_output_counts_as_no_text_and_skips_unlabelled_fields():
    page = Page("trafilatura", "x.html", "https://blog.example/x", b"",
                {"with": ["close the old bridge"], "without": ["Imprint"], "title": "Bridge", "author": "",
                 "date": "", "language": "de"})
    row = score_page(page, asdict(Output(error="ValueError: boom")), None)
    assert row["empty"] and row["error"]
    assert row["snippets"] == {"tp": 0, "fp": 0, "fn": 1, "tn": 1}
    assert set(row["meta"]) == {"title", "language"}
    assert "citations" not in row
    summary = summarise([row])
    assert summary["no_text"] == 1 and summary["errors"] == 1
    assert summary["snippets"]["recall"] == 0.0 and "citations" not in summary
