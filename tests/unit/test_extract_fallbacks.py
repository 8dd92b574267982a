"""pipelines.extract_fallbacks and the cascade in pipelines.extract: each step when those before it fail."""

import importlib
import re

import pytest
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from pipelines.extract import ExtractOptions, extract_html, trafilatura_options
from pipelines.extract_fallbacks import PINNED_TRAFILATURA, html_to_doc_xml, main_pass_xml
from pipelines.html_tree import parse_page
from pipelines.page import PageItem
from pipelines.stages import metadata_fields, text_record

BASE = "https://news.test/2026/03/bridge"
PROSE = ("The council voted on Tuesday to close the old bridge after engineers found cracks in two "
         "of its piers, according to the inspection report published by the county. ")
PAGE = f"""<html lang="en"><head><title>Bridge closed | News Test</title></head><body>
<div class="story"><h2>Bridge closed</h2><p>{PROSE * 2} Read <a href="/docs/inspection.pdf">the
inspection report</a> for details.</p><p>{PROSE}</p></div></body></html>"""

def _no_main_pass(monkeypatch: pytest.MonkeyPatch, recall_too: bool = True) -> None:
    """trafilatura's main pass finds nothing (and its recall pass too, unless told otherwise)."""

    def extract(source, url, arguments):
        if arguments.get("favor_recall") and not recall_too:
            return main_pass_xml(source, url, arguments)
        return None

    monkeypatch.setattr(importlib.import_module("pipelines.extract"), "main_pass_xml", extract)


def _no_baseline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module("trafilatura.baseline"), "baseline",
                        lambda tree: (etree.Element("body"), "", 0))


def _no_readability(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module("trafilatura.external"), "try_readability",
                        lambda tree: HtmlElement())


def test_the_version_the_internals_were_written_for_is_the_one_installed() -> None:
    assert trafilatura.__version__ == PINNED_TRAFILATURA  # a new version: re-measure steps 3-5


def test_main_pass_xml_is_trafilatura_extract_without_the_fingerprint() -> None:
    arguments = trafilatura_options(ExtractOptions())
    for page in (PAGE, "<html><body><p>too short</p></body></html>"):
        expected = trafilatura.extract(parse_page(page).tree, url=BASE, **arguments)
        if expected is not None:
            assert ' fingerprint="' in expected
            expected = re.sub(r' fingerprint="[0-9a-f]+"', "", expected)
        assert main_pass_xml(parse_page(page).tree, BASE, arguments) == expected
    recall = {**arguments, "favor_recall": True}
    expected = re.sub(r' fingerprint="[0-9a-f]+"', "", trafilatura.extract(PAGE, url=BASE, **recall))
    assert main_pass_xml(PAGE, BASE, recall) == expected


def test_main_pass_xml_calls_trafilatura_extract_when_the_internals_move(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fallbacks = importlib.import_module("pipelines.extract_fallbacks")
    monkeypatch.setattr(fallbacks, "_internal", lambda module, name: None)  # as if trafilatura moved them
    monkeypatch.setattr(trafilatura, "extract", lambda source, url, **arguments: (source, url, arguments))
    arguments = trafilatura_options(ExtractOptions())
    assert main_pass_xml(PAGE, BASE, arguments) == (PAGE, BASE, arguments)


def test_main_pass_is_the_path_when_it_finds_text() -> None:
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "trafilatura"
    assert "cracks in two of its piers" in result.text


def test_recall_pass_when_the_main_pass_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch, recall_too=False)
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "trafilatura-recall"
    assert "cracks in two of its piers" in result.text and result.reason is None
    assert "https://news.test/docs/inspection.pdf" in [link.url for link in result.links]


def test_baseline_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "trafilatura-baseline"
    assert "cracks in two of its piers" in result.text
    assert result.title  # metadata still comes from trafilatura's metadata pass
    assert result.language == "en"


def test_readability_when_the_baseline_finds_nothing_keeps_the_links(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    _no_baseline(monkeypatch)
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "readability"
    assert "cracks in two of its piers" in result.text
    link = next(link for link in result.links if link.url == "https://news.test/docs/inspection.pdf")
    assert link.anchor == "the inspection report" and "cracks" in link.context


def test_justext_when_readability_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    _no_baseline(monkeypatch)
    _no_readability(monkeypatch)
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "justext"
    assert "cracks in two of its piers" in result.text


def test_nothing_found_anywhere_is_a_reason_and_no_path(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    _no_baseline(monkeypatch)
    _no_readability(monkeypatch)
    monkeypatch.setattr(importlib.import_module("trafilatura.external"), "try_justext",
                        lambda tree, url, language: etree.Element("body"))
    result = extract_html(PAGE, BASE)
    assert (result.text, result.extraction_path) == ("", None)
    assert result.reason and "no main text" in result.reason
    assert result.language == "en"


def test_a_fallback_trafilatura_no_longer_has_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    monkeypatch.delattr(importlib.import_module("trafilatura.baseline"), "baseline")
    result = extract_html(PAGE, BASE)
    assert result.extraction_path == "readability"


def test_a_fallback_that_raises_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)

    def boom(tree):
        raise RuntimeError("moved")

    monkeypatch.setattr(importlib.import_module("trafilatura.baseline"), "baseline", boom)
    assert extract_html(PAGE, BASE).extraction_path == "readability"


def test_a_menu_is_not_an_article_for_the_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_main_pass(monkeypatch)
    html = "<html><body><nav><a href='/a'>Home</a> <a href='/b'>World</a></nav><p>Short.</p></body></html>"
    result = extract_html(html, BASE)
    assert result.text == "" and result.extraction_path is None and result.reason


def test_recall_pass_is_not_repeated_in_recall_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def extract(source, url, arguments):
        calls.append(arguments.get("favor_recall"))

    monkeypatch.setattr(importlib.import_module("pipelines.extract"), "main_pass_xml", extract)
    extract_html(PAGE, BASE, options=ExtractOptions(favor_recall=True))
    assert calls == [True]


def test_html_to_doc_xml_blocks_links_and_loose_text() -> None:
    html = etree.fromstring(
        "<div><h2>Title <b>here</b></h2>Loose <a href='/x'>link</a> text<p>One<br/>two</p>"
        "<ul><li>item <a href='https://o.test/y'>y</a></li></ul><a href='#top'>top</a>"
        "<script>var x;</script><table><tr><td>cell</td></tr></table></div>"
    )
    xml = html_to_doc_xml(html, "https://news.test/a/")
    root = etree.fromstring(xml)
    blocks = [(b.tag, "".join(b.itertext())) for b in root.find("main")]
    assert blocks == [("head", "Title here"), ("p", "Loose link text"), ("p", "Onetwo"),
                      ("item", "item y"), ("p", "top"), ("cell", "cell")]
    assert [r.get("target") for r in root.iter("ref")] == ["https://news.test/x", "https://o.test/y"]
    assert root.find("main/p/lb") is not None


def test_html_to_doc_xml_of_nothing_is_none() -> None:
    assert html_to_doc_xml(etree.fromstring("<div><script>x</script> </div>"), "") is None


def test_text_json_and_metadata_record_say_which_path() -> None:
    item = PageItem(url=BASE, role="seed")
    item.extraction = {"title": "T", "text": "x", "extraction_path": "readability",
                       "metadata_sources": {"title": "h1", "date": "htmldate"}}
    record = text_record(item)
    assert record["extraction_path"] == "readability"
    assert record["metadata_sources"] == {"title": "h1", "date": "htmldate"}
    fields = metadata_fields(item)
    assert ("extraction-path", "readability") in fields
    assert ("metadata-source", "date htmldate") in fields and ("metadata-source", "title h1") in fields
    assert text_record(PageItem(url=BASE, role="seed"))["extraction_path"] is None


_PARAGRAPH = ("The council said on Tuesday that the bridge over the river would be rebuilt next year "
              "at a cost of three million euros, and that work would begin in spring.")


@pytest.mark.parametrize(("html", "path"), [
    # trafilatura's main pass drops a footer; its recall mode keeps it
    ("<html><body><footer>" + f"<p>{_PARAGRAPH}</p>" * 6 + "</footer></body></html>",
     "trafilatura-recall"),
    # text straight in <body>, no block elements: only trafilatura's baseline reads it
    ("<html><body>" + " ".join([_PARAGRAPH] * 6) + "</body></html>", "trafilatura-baseline"),
    # a story in a block classed as comments: trafilatura discards it in both modes, jusText keeps it
    ("<html><body><div class='comments'>" + f"<p>{_PARAGRAPH}</p>" * 6 + "</div></body></html>",
     "justext"),
])
def test_real_pages_reach_their_fallback_with_nothing_disabled(html: str, path: str) -> None:
    """The same cascade with every step as installed: pages on which the earlier steps really
    find nothing (readability has no such page here; its step is shown above with the earlier
    steps disabled)."""
    extraction = extract_html(html, "http://example.com/story", None, ExtractOptions())
    assert extraction.extraction_path == path
    assert "bridge over the river would be rebuilt" in extraction.text
