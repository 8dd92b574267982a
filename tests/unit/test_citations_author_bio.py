"""An author's bio in the first person ("I write a weekly column about streaming for TechHive"):
the author's own pages it links are bio links, not citations (the labelling rule's `author`)."""

from __future__ import annotations

from crawler.web.citations import judge_page
from crawler.web.citations.context import block_class
from pipelines.extract import LinkCandidate

PAGE = "https://www.gadgets.test/article/best-streaming-devices"
BIO = ("Beyond just product reviews, I write a weekly column about streaming and over-the-air TV for "
       "TechHive, and my Cord Cutter Weekly newsletter has more than 30,000 readers.")


def test_a_first_person_bio_is_an_author_bio() -> None:
    found = block_class(BIO, "weekly column", "", "", "p", len("weekly column"))
    assert found is not None and found[0] == "author-bio"
    column = "https://www.gadgets.test/blogs/cord-cutter-confidential"
    link = LinkCandidate(url=column, anchor="weekly column",
                         context=BIO, block="p", heading="", position=0.1, link_chars=len("weekly column"))
    result = judge_page([link], BIO, PAGE)
    assert not result.cited and result.not_cited[0].reason.startswith("author-bio")


def test_a_first_person_sentence_about_a_source_is_still_cited() -> None:
    sentence = "I write this after reading the FCC's new report, which counts 40 million cord cutters."
    assert block_class(sentence, "FCC's new report", "", "", "p", 16) is None
