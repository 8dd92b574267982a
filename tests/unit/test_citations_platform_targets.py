"""Targets that are a platform's service, not a source, whatever the sentence says: a membership
or tip page (a donation link), a hosted form or booking calendar (a contact form), a search
engine's results; and a search engine's click redirect judged as the address it sends to."""

from __future__ import annotations

import pytest

from crawler.web.citations.targets import classify_target
from tests.unit.judging import judge_one

PAGE = "https://www.gymbrand.test/the-beginners-guide-to-gym-equipment/"


def judged(url: str, anchor: str, context: str, page: str = PAGE) -> str:
    return judge_one(url, anchor, context, page)


@pytest.mark.parametrize(
    ("url", "anchor", "context", "reason"),
    [
        ("https://www.patreon.com/myleskatherine", "Patreon",
         "If you found this post helpful or inspiring, I would love it if you considered signing up "
         "for my Patreon!", "newsletter-account"),
        ("https://calendly.com/d/25k-y37-fwq/book-a-free-consultation", "Get a free consultation",
         "Get a free consultation with our team, match with vetted contractors and compare quotes.",
         "site-service"),
        ("https://form.jotform.com/201336316228044", "webcam usage agreement",
         "For permission to feature our webcams in your own work, fill out our webcam usage agreement.",
         "site-service"),
        ("https://www.google.com/search?client=firefox-b-1-d&q=utility+partners", "(888) 667-1411",
         "Call (888) 667-1411 or contact us today for a quote on your next utility project.",
         "tag-section"),
    ],
)
def test_a_platform_service_in_a_sentence_is_not_cited(url: str, anchor: str, context: str,
                                                       reason: str) -> None:
    assert judged(url, anchor, context) == reason


def test_a_search_engine_redirect_is_judged_as_the_address_it_sends_to() -> None:
    home = "https://www.google.com/url?q=https%3A%2F%2Fwww.gymbrand.test%2F&sa=D&source=editors"
    assert classify_target(home, PAGE).kind == "tag-section"  # the site's own home page
    study = "https://www.google.com/url?q=https%3A%2F%2Fwww.nih.gov%2Fnews%2Fstudy&sa=D"
    assert classify_target(study, PAGE).kind == "official"
    sentence = "A 2023 study by the NIH found that strength training twice a week lowers blood pressure."
    assert judged(study, "A 2023 study by the NIH", sentence) == "cited"


def test_other_pages_of_a_search_engine_company_are_untouched() -> None:
    assert classify_target("https://blog.google/technology/ai/gemini-update/", PAGE).kind == "other-site"
    assert classify_target("https://www.google.com/maps/place/Eiffel+Tower", PAGE).kind == "other-site"


def test_another_sites_search_results_are_a_list_not_a_source() -> None:
    assert classify_target("https://esfi.test/?s=AFCI", PAGE).kind == "tag-section"
    assert classify_target("https://library.test/search?q=arc+fault", PAGE).kind == "tag-section"
    # a page that merely has a query is not a search
    assert classify_target("https://esfi.test/?p=1234", PAGE).kind == "other-site"


def test_a_contact_form_of_the_site_is_a_service_page() -> None:
    form = "https://www.gymbrand.test/forms/digital-photography-contactform.php"
    assert classify_target(form, PAGE).kind == "site-service"


def test_a_profile_on_a_national_pinterest_is_a_social_profile() -> None:
    assert classify_target("https://www.pinterest.fr/brandofficial/", PAGE).kind == "social-profile"
    sentence = ("You can find endless inspiration by searching images, exploring social media platforms "
                "such as Pinterest, Instagram, and TikTok, or browsing through design magazines.")
    assert judged("https://www.pinterest.fr/brandofficial/", "Pinterest", sentence) == "social-follow"


def test_the_writers_own_channel_in_a_sentence_is_a_follow_link() -> None:
    sentence = ("For as little as $1 a month, you will get early access to all of my YouTube videos, plus "
                "tons of photos that I do not post anywhere else, and a monthly question-and-answer call.")
    channel = "https://www.youtube.com/channel/UCokvG39IvqgyMHatifcxC3w"
    assert judged(channel, "my YouTube videos", sentence) == "social-follow"
    # a channel the sentence reports on stays cited
    reported = ("The channel, which posts weekly repair tutorials, passed one million subscribers in March, "
                "making Repair Cafe TV the largest repair channel on the platform by a wide margin.")
    assert judged(channel, "Repair Cafe TV", reported) == "cited"
