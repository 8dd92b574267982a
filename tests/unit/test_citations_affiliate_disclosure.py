"""A shop's product page is a shop link (the labelling rule's shop-affiliate) on a page that says
its links earn it money ("affiliate links", "we may earn a commission"), even in a sentence about
the product, and anywhere when a generic phrase links it ("some chairs"); a product the sentence
names, on a page without the disclosure, is judged as before."""

from __future__ import annotations

from crawler.web.citations import judge_page
from crawler.web.citations.context import affiliate_disclosure
from crawler.web.citations.targets import retail_product_page
from pipelines.extract import LinkCandidate

PAGE = "https://photoblog.test/best-mirrorless-cameras-2025/"
DISCLOSURE = ("(By using the affiliate links and/or codes in this blog post, I may earn a small "
              "commission at no extra cost to you.)")
SENTENCE = "The Canon EOS R8 is another budget option that stands out in its class."
PRODUCT = "https://www.camerashop.test/c/product/1748813-REG/canon_eos_r8_mirrorless_camera.html"


def verdict(text: str, url: str = PRODUCT, anchor: str = "Canon EOS R8") -> str:
    link = LinkCandidate(url=url, anchor=anchor, context=SENTENCE, block="p", heading="",
                         position=0.5, link_chars=len(anchor))
    result = judge_page([link], text, PAGE)
    return "cited" if result.cited else result.not_cited[0].reason.split(":")[0]


def test_a_product_page_on_a_page_declaring_affiliate_links_is_a_shop_link() -> None:
    assert affiliate_disclosure(DISCLOSURE)
    assert verdict(f"{DISCLOSURE}\n{SENTENCE}") == "shop-affiliate"


def test_without_the_disclosure_the_product_in_a_sentence_is_cited() -> None:
    assert not affiliate_disclosure(SENTENCE)
    assert verdict(SENTENCE) == "cited"


def test_the_disclosure_leaves_other_links_alone() -> None:
    # a maker's announcement and a review page are sources, not shop links
    press = "https://www.canon.test/press/2025/eos-r8-announced"
    review = "https://www.g2.test/products/dacast/reviews/dacast-review-4190974"
    assert not retail_product_page(press, PAGE)
    assert not retail_product_page(review, PAGE)
    assert verdict(f"{DISCLOSURE}\n{SENTENCE}", url=press) == "cited"


def test_posts_and_news_items_are_no_product_pages() -> None:
    assert not retail_product_page("https://www.instagram.com/p/CIf4uK7lAf6/", PAGE)
    assert not retail_product_page("https://www.who.test/news/item/02-03-2022-covid-19-anxiety", PAGE)
    assert retail_product_page("https://www.bigstore.test/ip/Instant-Pot-Duo/123456", PAGE)


def test_a_shops_product_page_from_a_generic_phrase_is_a_shop_link_without_a_disclosure() -> None:
    sentence = ("You can see that we have already taped some markers on the carpet for some chairs that "
                "we have our eye on.")
    chair = "https://www.furniture.test/product/22546/otio-leather-lounge-chair?index=production"
    link = LinkCandidate(url=chair, anchor="some chairs", context=sentence, block="p", heading="",
                         position=0.5, link_chars=len("some chairs"))
    result = judge_page([link], sentence, PAGE)
    assert not result.cited and result.not_cited[0].reason.startswith("shop-affiliate")
    # the product the sentence names stays a citation (the maker's page of what the text is about)
    assert verdict(SENTENCE) == "cited"
