"""Walls in front of a source (crawler/web/access.py), on HTML shaped like the real ones."""

from crawler.web.access import BOT_WALL, LOGIN, PAYWALLED, page_access
from tests.servers.site import article

CLOUDFLARE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">www.example.com</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>
</div></div><script>(function(){window._cf_chl_opt={cvId: '2',cZone: "www.example.com"};
var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1';
})();</script></body></html>"""

CAPTCHA_403 = """<html><head><title>Access to this page has been denied</title></head><body>
<h1>Please verify you are a human</h1><p>Checking your browser before accessing the site.</p>
<form id="challenge-form" action="/verify" method="POST"><div class="g-recaptcha" data-sitekey="x"></div>
<input type="submit" value="Continue"></form></body></html>"""

PAYWALL_JSON_LD = """<!DOCTYPE html><html><head><title>Water board fined | The Ledger</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",
"headline":"Water board fined","isAccessibleForFree":"False",
"hasPart":{"@type":"WebPageElement","isAccessibleForFree":"False","cssSelector":".paywall"}}</script>
</head><body><article><h1>Water board fined</h1><p>The regulator fined the board on Tuesday.</p>
<div class="paywall"><p>Subscribe to continue reading.</p></div></article></body></html>"""

PAYWALL_GRAPH = """<html><head><script type="application/ld+json">
{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"X"},
{"@type":"Article","headline":"Y","isAccessibleForFree":false}]}</script></head><body><p>Y</p></body></html>"""

PAYWALL_MICRODATA = """<html><body><article itemscope itemtype="https://schema.org/NewsArticle">
<meta itemprop="isAccessibleForFree" content="false"><h1 itemprop="headline">Z</h1></article></body></html>"""

PAYWALL_MARKUP = """<html><head><title>Budget vote</title></head><body><article><p>The council voted.</p>
<div id="piano" class="tp-modal offer"><h2>You have reached your free article limit</h2>
<a href="/subscribe">Subscribe</a></div></article></body></html>"""

LOGIN_PAGE = """<!DOCTYPE html><html><head><title>Sign in | Example Research Portal</title></head>
<body><main><h1>Sign in to continue</h1><form method="post" action="/session">
<label>Email <input type="email" name="email"></label><label>Password
<input type="password" name="password"></label><button>Log in</button></form>
<p><a href="/forgot">Forgot your password?</a></p></main></body></html>"""

HEADER_LOGIN_ARTICLE = """<html><head><title>Council replaces filters | Courier</title></head><body>
<header><form class="login"><input name="u"><input type="password" name="p">
<button>Log in</button></form></header>
<article><h1>Council replaces filters</h1><p>Engineers replaced the filters in November.</p></article>
</body></html>"""


def test_cloudflare_challenge_on_403_is_a_bot_wall():
    access = page_access(403, {"Server": "cloudflare"}, CLOUDFLARE)
    assert access is not None and access.kind == BOT_WALL
    assert "403" in access.reason


def test_captcha_form_on_403_and_429_is_a_bot_wall():
    for status in (403, 429, 503):
        access = page_access(status, {}, CAPTCHA_403)
        assert access is not None and access.kind == BOT_WALL, status


def test_cf_mitigated_header_is_a_bot_wall_whatever_the_body():
    access = page_access(403, {"CF-Mitigated": "challenge"}, "")
    assert access is not None and access.kind == BOT_WALL and "cf-mitigated" in access.reason


def test_a_plain_403_or_404_is_no_wall():
    assert page_access(403, {}, "<html><body><h1>Forbidden</h1></body></html>") is None
    assert page_access(404, {}, "<html><body><p>captcha</p></body></html>") is None


def test_challenge_words_on_a_200_article_are_not_a_bot_wall():
    html = "<html><body><p>Sites show 'checking your browser' pages to readers.</p></body></html>"
    assert page_access(200, {}, html) is None


def test_json_ld_not_free_is_paywalled():
    access = page_access(200, {}, PAYWALL_JSON_LD)
    assert access is not None and access.kind == PAYWALLED
    assert access.reason == "JSON-LD isAccessibleForFree: false"
    access = page_access(200, {}, PAYWALL_GRAPH)
    assert access is not None and access.kind == PAYWALLED


def test_microdata_not_free_is_paywalled():
    access = page_access(200, {}, PAYWALL_MICRODATA)
    assert access is not None and access.kind == PAYWALLED and "microdata" in access.reason


def test_a_wall_block_with_its_wording_is_paywalled():
    access = page_access(200, {}, PAYWALL_MARKUP)
    assert access is not None and access.kind == PAYWALLED and "tp-modal" in access.reason


def test_free_json_ld_and_a_subscribe_teaser_are_not_a_paywall():
    free = PAYWALL_JSON_LD.replace('"False"', '"True"').replace("Subscribe to continue reading.", "")
    assert page_access(200, {}, free) is None
    # The fixture article: a "paywall-teaser" box offering a subscription, the article free.
    assert page_access(200, {}, article("http://127.0.0.1:1", "default").body.decode()) is None


def test_sign_in_page_is_a_login_wall():
    access = page_access(200, {}, LOGIN_PAGE)
    assert access is not None and access.kind == LOGIN and "Sign in" in access.reason


def test_password_form_at_a_login_address_is_a_login_wall():
    html = "<html><head><title>Example</title></head><body><form><input type=password></form></body></html>"
    access = page_access(200, {}, html, "https://example.org/account/login?next=/report")
    assert access is not None and access.kind == LOGIN
    assert page_access(200, {}, html, "https://example.org/report") is None


def test_a_login_box_in_an_articles_header_is_no_wall():
    assert page_access(200, {}, HEADER_LOGIN_ARTICLE) is None


def test_no_body_no_headers():
    assert page_access(None, None, None) is None
    assert page_access(200, {}, "") is None


def test_hostile_markup_is_read_in_bounded_time():
    import time

    html = '<script type="application/ld+json">{' * 20000 + "x" * 300_000
    started = time.monotonic()
    assert page_access(403, {}, html) is None
    for hostile in ("<input type=password " * 20000, "<title>" * 50000, "<h1>" * 50000,
                    '<div class="paywall ' * 20000, "<meta itemprop=isAccessibleForFree " * 10000,
                    "<" * 400_000):
        for status in (200, 403):
            assert page_access(status, {}, hostile) is None
    assert time.monotonic() - started < 3.0
