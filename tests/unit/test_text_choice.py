"""pipelines.text_choice: the JSON-LD articleBody against the extraction, by shingle agreement."""

from pipelines.extract import extract_html
from pipelines.text_choice import agreement, anchor_in_text, body_paragraphs, prefer_article_body

ARTICLE = " ".join(f"Sentence {i} of the report says the water rose by {i} centimetres." for i in range(40))
TEASER = "Subscribe to read the full story about the flood and what the council will do next week."


def test_agreement_is_the_shingle_f1() -> None:
    assert agreement(ARTICLE, ARTICLE) == 1.0
    assert agreement("", "") == 0.0
    assert agreement("one two three four five", "nine eight seven six five") == 0.0
    assert 0.4 < agreement(ARTICLE, ARTICLE[: len(ARTICLE) // 2]) < 0.8


def test_article_body_wins_only_when_longer_and_disagreeing() -> None:
    assert prefer_article_body(TEASER, ARTICLE)
    assert prefer_article_body("", ARTICLE)
    assert not prefer_article_body(ARTICLE[:-40], ARTICLE)  # the same text: agreement high
    assert not prefer_article_body(ARTICLE, TEASER * 8)  # the extraction is the longer one
    assert not prefer_article_body("", "Too short to be an article.")


def test_body_paragraphs_and_anchors() -> None:
    assert body_paragraphs(" One  para.\n\n Two\tpara. \n") == "One para.\nTwo para."
    assert anchor_in_text("the  Report", "Read the report here")
    assert not anchor_in_text("", "x") and not anchor_in_text("other", "Read the report")


def test_extract_html_takes_the_article_body_over_a_wrong_block() -> None:
    import json

    ld = json.dumps({"@type": "NewsArticle", "headline": "Flood", "articleBody": ARTICLE})
    html = (f'<html lang="en"><head><script type="application/ld+json">{ld}</script></head><body>'
            f'<article><p>{TEASER} <a href="https://gov.test/r">the council</a></p>'
            + "".join(f"<p>Teaser {i}: more stories about other towns and their weather this week.</p>"
                      for i in range(6))
            + "</article></body></html>")
    result = extract_html(html, "https://news.test/flood")
    assert result.extraction_path == "json-ld"
    assert "water rose by 39 centimetres" in result.text
    assert result.links == []  # "the council" is not in the article's text


def test_an_article_body_published_as_html_is_read_as_html() -> None:
    body = ("<h2>Effizientes <strong>Management</strong></h2><p>Erste Zeile&nbsp;mit Umlaut: "
            "&auml;<br>zweite Zeile</p><script>googletag.display('ad');</script><p>Dritte</p>")
    assert body_paragraphs(body) == "Effizientes Management\nErste Zeile mit Umlaut: ä\nzweite Zeile\nDritte"
    assert body_paragraphs("Plain &amp; simple.\nNext") == "Plain & simple.\nNext"
