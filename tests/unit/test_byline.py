"""pipelines.byline: the author as a reader would name it, from the forms found on the dev pages."""

import pytest
from trafilatura.utils import load_html

from pipelines.byline import clean_author, find_byline, find_written_byline, is_publisher, looks_like_name


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
    ("The Author", None, "", ""),
    # beside a name, a second "author" of seven words or more is a sentence
    ("By Arlene Marturano; South Carolina Garden-based Learning Network on Facebook", None, "",
     "Arlene Marturano"),
    ("Les Membres du Choeur de Radio France", None, "", "Les Membres du Choeur de Radio France"),
    # the author page's link text glued after the name
    ("Johanna Kropfitsch Alle Artikel", None, "", "Johanna Kropfitsch"),
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
    # one part of a site name that carries the page's title too
    assert is_publisher("Die FURCHE", "Achtsam durch die Krise | Die FURCHE")
    assert not is_publisher("Die Krise", "Achtsam durch die Krise | Die FURCHE")


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
    # several names in one byline; a name with a short credential after a comma, as printed
    ('<a class="t" href="/blog/author/mk">Moses Kim and Kate Shokurova</a>', "Moses Kim; Kate Shokurova"),
    ('<p class="byline">By Ann Lee, Bo Chan and Cy Dee</p>', "Ann Lee; Bo Chan; Cy Dee"),
    ('<a class="author-name" href="#bio">Tracy Parker, Dietitian</a>', "Tracy Parker, Dietitian"),
    # a comma with a sentence after it is no credential
    ('<div class="author-box">Tracy Parker, who writes for us about food and health</div>', ""),
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


def test_a_class_naming_the_authors_name_is_explicit_enough_to_replace_a_publisher() -> None:
    page = load_html('<html><body><div class="video-post_author-name">Joakim Edin</div>'
                     '<h2 class="author__name">Ursula Baatz</h2><p>x</p></body></html>')
    assert find_byline(page, explicit_only=True) == "Joakim Edin"


@pytest.mark.parametrize(("body", "expected"), [
    ("<p>Written by John Crenshaw</p>", "John Crenshaw"),
    ('<p class="bodytext">Von <a href="/x">Claudia Lindner</a></p>', "Claudia Lindner"),
    ("<p><em><strong>Por Agencia EFE</strong></em></p>", "Agencia EFE"),
    ("<p>Autoren Jelko Djuren und Jutta Klaukien</p>", "Jelko Djuren; Jutta Klaukien"),
    # a sentence that begins like a byline, a name in a link's own text, a script: none
    ("<p>By the way, we went Home Today.</p>", ""),
    ("<p>von der Leyen sagte heute etwas</p>", ""),
    ('<p><a href="/x">By Jane Doe</a></p>', ""),
    ('<script>var s = "By Jane Doe";</script>', ""),
])
def test_find_written_byline(body, expected) -> None:
    page = load_html(f"<html><body><h1>T</h1>{body}<p>text</p></body></html>")
    assert find_written_byline(page) == expected


def test_a_by_line_after_a_line_break_is_not_read_as_the_pages_byline() -> None:
    # a book box: "Title<br>Von A, B und C" names the book's authors, not the article's
    page = load_html("<html><body><p><b>Reiten lernen</b><br>Von Josef Kastner, Marieke Hübner und"
                     " Imke Schlömer</p><p>text</p></body></html>")
    assert find_written_byline(page) == ""
