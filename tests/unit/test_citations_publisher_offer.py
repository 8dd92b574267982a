"""Citation rules about the publisher's own offer: the page listing what the site sells
(``/services``, ``/products``, ``/integrations``) linked from a generic phrase, and names that are
a trade rather than a product. The labelling rule (``tests/quality/CITATIONS.md``): a generic word
linked to the publisher's own product or service page is a sales link, not a citation."""

from __future__ import annotations

import pytest

from crawler.web.citations.targets import classify_target
from tests.unit.judging import judge_one

PAGE = "https://movers.test/blog/the-ultimate-guide-to-booking-a-moving-company"


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


@pytest.mark.parametrize(
    ("url", "anchor", "context"),
    [
        ("https://movers.test/services/", "our comprehensive approach to move management",
         "What sets our team apart is our comprehensive approach to move management."),
        ("https://movers.test/programs", "your program",
         "Even as a seasoned gym-goer, seeing a new piece of equipment in your program can be enough to "
         "make you want to turn around and go home again."),
        ("https://movers.test/integrations", "Shopify, Amazon data sources, and marketing platforms",
         "The platform manages every step, from collecting ecommerce data from Shopify, Amazon data "
         "sources, and marketing platforms to mapping and visualizing this data."),
    ],
)
def test_a_phrase_linked_to_the_sites_one_word_offer_page_is_a_sales_link(url: str, anchor: str,
                                                                          context: str) -> None:
    assert classify_target(url, PAGE).own_offer
    assert judged(url, anchor, context) == "shop-affiliate"


def test_a_one_word_page_that_is_no_offer_is_still_weighed_as_a_section() -> None:
    target = classify_target("https://movers.test/scholarships", PAGE)
    assert target.kind == "one-word-page"
    sentence = "The scholarship options are legit too: they have programs for veterans and high school grads."
    assert judged("https://movers.test/scholarships", "scholarship options", sentence) == "cited"


def test_a_bare_redirect_word_is_a_page_not_an_affiliate_link() -> None:
    """``/go/<product>`` and ``/out?url=`` send the reader to a shop; the word alone names nothing
    to buy (a story's own redirect to its source document)."""
    context = "The figures appear in the minutes, which say the budget was spent twice over."
    assert judged("https://movers.test/go", "the minutes", context) == "cited"
    assert judged("https://movers.test/go/acme-chair", "the minutes", context) == "shop-affiliate"
    redirect = "https://movers.test/out?url=https://shop.test/x"
    assert judged(redirect, "the minutes", context) == "shop-affiliate"
