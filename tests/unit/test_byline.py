"""pipelines.byline: the author as a reader would name it, from the forms found on the dev pages."""

import pytest
from trafilatura.utils import load_html

from pipelines.byline import clean_author, find_byline, is_publisher, looks_like_name


@pytest.mark.parametrize(("author", "sitename", "host", "expected"), [
    # a label before the name
    ("Author Isaiah Shelton", None, "", "Isaiah Shelton"),
    ("View all posts by Daniel Lemire", None, "", "Daniel Lemire"),
    ("Zeige alle Beiträge von Petra Ruland", None, "", "Petra Ruland"),
    ("Artikel von hausinfo", None, "", "hausinfo"),
    ("Vom Krimiblogger", None, "", "Krimiblogger"),
    # the date printed after the name
    ("Supermove February 8", None, "", "Supermove"),
    ("ServiceTitan November", None, "", "ServiceTitan"),
    ("Cazzy Magennis Last Updated August 1", None, "", "Cazzy Magennis"),
    ("Sara Zinnecker Stand", None, "", "Sara Zinnecker"),
    ("Justin Meserole; On December 9", None, "", "Justin Meserole"),
    # the publication after a comma or a dash
    ("Manoj Jain and Jagpreet Chhatwal, The Commercial Appeal", None, "www.commercialappeal.com",
     "Manoj Jain and Jagpreet Chhatwal"),
    ("David Jackson - FullStack Editorial Team", None, "www.fullstack.com", "David Jackson"),
    ("Jane Doe, Daily Test", "Daily Test", "", "Jane Doe"),
    # kept: names that look like dates or labels, credentials, a publication in the middle
    ("Theresa May", None, "", "Theresa May"),
    ("Jane Onassis", None, "", "Jane Onassis"),
    ("June Amos", None, "", "June Amos"),
    ("Doris Munoz-Mantilla, MD, FOMA", None, "", "Doris Munoz-Mantilla, MD, FOMA"),
    ("Ben Johnson, Atlas Lines - 10 Years in Moving", None, "www.atlaslines.com",
     "Ben Johnson, Atlas Lines - 10 Years in Moving"),
    # nobody: placeholders, a lone month, a login
    ("Admin", None, "", ""), ("No Author", None, "", ""), ("Name", None, "", ""), ("August", None, "", ""),
    ("andrew.keaveney", None, "", ""), (None, None, "", ""),
])
def test_clean_author(author, sitename, host, expected) -> None:
    assert clean_author(author, sitename, host) == expected


def test_publisher_by_site_name_team_or_host() -> None:
    assert is_publisher("USA TODAY", "USA Today")
    assert is_publisher("Teufel Editorial Team", None)
    assert is_publisher("The Commercial Appeal", None, "www.commercialappeal.com")
    assert not is_publisher("Weinlachgummi", "Weinlachgummi´s Naschtüte")  # a blog named after its author
    assert not is_publisher("Jane Doe", "News Test", "news.test")


@pytest.mark.parametrize(("body", "expected"), [
    ('<p>By <a href="/authors/trevor-jackins">Trevor Jackins</a></p>', "Trevor Jackins"),
    ('<div itemprop="author" itemscope><span itemprop="name">Sam O\'Brien</span></div>', "Sam O'Brien"),
    ('<a rel="author" href="https://x.test/~jd">Jane Doe</a>', "Jane Doe"),
    # author links that name nobody: a menu entry, a lone first name, a login
    ('<a href="/authors/">All authors</a><a href="/author/jd">jane.doe</a>', ""),
    ("<p>No byline here.</p>", ""),
    # an element whose class names the author (its label dropped), not a comment's
    ('<span class="post-author">Elise Nass</span>', "Elise Nass"),
    ('<div class="comment-author">Joe Reader</div>', ""),
    ('<div class="byline">Written by Edzel Tabing</div>', "Edzel Tabing"),
    # microdata outranks an author-named class earlier in the page
    ('<span class="author">Ann Other</span><div itemprop="author"><b itemprop="name">Sam Doe</b></div>',
     "Sam Doe"),
    ('<div class="author-box"><b>Lauren Vetter</b><p>Lauren writes about search engines for'
     " small practices and has done so for many years now.</p></div>", "Lauren Vetter"),
    ('<a href="/author/jm">Alles von Martin Junker</a>', "Martin Junker"),
])

def test_find_byline(body, expected) -> None:
    assert find_byline(load_html(f"<html><body>{body}<p>text</p></body></html>")) == expected


def test_looks_like_name() -> None:
    assert looks_like_name("Marna van der Merwe")
    assert not looks_like_name("Trevor")
    assert not looks_like_name("Read more from our writers today")
    assert not looks_like_name("2 Comments")


def test_a_publisher_gives_way_only_to_explicit_byline_markup() -> None:
    page = load_html('<html><body><span class="author">Top Solar News</span><p>x</p></body></html>')
    assert find_byline(page) == "Top Solar News"
    assert find_byline(page, explicit_only=True) == ""
