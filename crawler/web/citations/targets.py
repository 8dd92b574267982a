"""What a link points at, from its URL alone (pure): the page itself, a share or follow button, a
shop or affiliate redirect, an account or newsletter page, the site's own tag, section, author
and service pages; or something worth citing (a document, a DOI, an archived copy, an official
site, another publisher, a post on a social network).

Each class is a ``Target``; the decision (``decision.py``) weighs it with the link's place in
the text. Only what the URL alone says is here: the same ``/tag/`` path is a tag page wherever
it is linked from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from crawler.web.citations.archives import archived_original, is_archive
from crawler.web.urls import InvalidURL, canonical_url

# Classes a citation is never made of, whatever the anchor says.
NOT_CITED_TARGETS = frozenset(
    {"share", "shop-affiliate", "newsletter-account", "site-service", "author", "tag-section", "image"}
)


@dataclass(frozen=True)
class Target:
    """The class of a link's target and, for a class that is not a citation, why in words."""

    kind: str  # see classify_target
    detail: str = ""
    word: str = ""  # one-word-page: the path's word
    own_offer: bool = False  # shop-affiliate: the site's own shop, product or service page


_SHARE_HOSTS = re.compile(
    r"(^|\.)(addthis\.com|sharethis\.com|addtoany\.com|wa\.me|t\.me|api\.whatsapp\.com|"
    r"web\.whatsapp\.com|getpocket\.com|buffer\.com)$", re.I,
)
_SHARE_PATH = re.compile(
    r"/(share|sharer(\.php)?|intent/tweet|intent/post|sharearticle|pin/create|submit|"
    r"send|sharing)(/|$|\?)", re.I,
)
_SOCIAL_HOSTS = re.compile(
    r"(^|\.)(twitter|x|facebook|fb|instagram|linkedin|pinterest|tiktok|youtube|threads|"
    r"bsky|reddit|telegram|whatsapp|snapchat|tumblr|medium|flickr|vimeo|discord|twitch)"
    r"\.(com|net|app|me|gg|tv)$|(^|\.)pinterest\.(co\.)?[a-z]{2}$", re.I,  # pinterest.fr, pinterest.co.uk
)
# Paths of a social host that are its own pages, not a profile (a post, a video, a search).
_SOCIAL_CONTENT = re.compile(r"/(status|statuses|posts?|p|reel|watch|video|videos|comments|photo|"
                             r"events|story|shorts|embed|live|pulse|r/\w+/comments)(/|$)|[?&]v=", re.I)
_SHOP_HOSTS = re.compile(
    r"(^|\.)(amzn\.to|amzn\.eu|a\.co|go\.skimresources\.com|skimlinks\.com|go\.redirectingat\.com|"
    r"shareasale\.com|awin1\.com|anrdoezrs\.net|jdoqocy\.com|tkqlhce\.com|dpbolvw\.net|kqzyfj\.com|"
    r"linksynergy\.com|click\.linksynergy\.com|avantlink\.com|pjtra\.com|pntra\.com|prf\.hn|"
    r"howl\.me|shopstyle\.[a-z.]+|rstyle\.me|bit\.ly/shop|sovrn\.[a-z]+|viglink\.com|"
    r"impactradius\.com|ojrq\.net|sjv\.io|pxf\.io|7eer\.net|geni\.us|fave\.co|shop-links\.co|"
    r"[a-z]+\.tp\.st)$", re.I,
)
_AMAZON = re.compile(r"(^|\.)amazon\.[a-z.]+$", re.I)
_AFFILIATE_PARAMS = frozenset({"tag", "affid", "aff_id", "affiliate", "affiliate_id", "aff", "ref_id",
                               "clickref", "irclickid", "afftrack", "subid", "sub_id", "subid1", "u1",
                               "tap_a", "a_aid", "partner_id", "partnerid", "aff_sub", "offer_id",
                               "ranmid", "raneaid", "ransiteid", "irgwc", "awc", "cjevent", "clickid",
                               "wmc", "associate", "camref", "pubref"})
# Hosts that exist to redirect a click (``goto.shop.com/AbC12``): with a short token for a path.
_REDIRECT_HOST = re.compile(r"^(go|goto|click|clicks|track|trk|redirect|aff|affiliate|partners?|links?)\.",
                            re.I)
# An affiliate network's click path on its own host (impact: /c/<id>/<id>/<id>; others /t/<id>).
_CLICK_PATH = re.compile(r"^/(c/\d+/\d+/\d+|t/[\w-]{8,}|aff_c|click|track|redirect)(/|$)", re.I)
_SHOP_PATH = re.compile(r"/(go|out|recommends|refer|visit|cart|checkout|basket|buy|shop|store|"
                        r"product|products|dp|gp/product|add-to-cart)(/|$|\?)", re.I)
_ACCOUNT_PATH = re.compile(
    r"/(login|log-in|signin|sign-in|signup|sign-up|register|registration|logout|account|my-account|"
    r"subscribe|subscription|subscriptions|newsletters?|email-signup|donate|donation|support-us|"
    r"podcasts?/subscribe)(/|$|\.|\?)", re.I,
)
# The same for the site's own sales pages (another site's pricing page can be what a story cites).
_OWN_ACCOUNT_PATH = re.compile(r"/(get-started|free-trial|trial|demo|request-a-demo|book-a-demo|"
                               r"pricing|plans|contact-sales|join|membership)(/|$|\.|\?)", re.I)
_APP_HOSTS = re.compile(r"(^|\.)(apps\.apple\.com|itunes\.apple\.com|play\.google\.com|"
                        r"podcasts\.apple\.com|open\.spotify\.com|feeds\.[a-z.]+)$", re.I)
# Platforms whose pages exist to take the reader's money or details, not to say anything: membership
# and tip jars (a donation link), and hosted forms and booking calendars (a contact form).
_DONATION_HOSTS = re.compile(r"(^|\.)(patreon\.com|ko-fi\.com|buymeacoffee\.com|liberapay\.com)$", re.I)
_FORM_HOSTS = re.compile(r"(^|\.)(calendly\.com|acuityscheduling\.com|jotform\.com|typeform\.com|"
                         r"forms\.gle|tally\.so|surveymonkey\.com)$", re.I)
_SEARCH_ENGINE = re.compile(r"(^|\.)(google|bing|duckduckgo|yahoo|yandex|baidu)\.[a-z.]+$", re.I)
_SERVICE_PATH = re.compile(
    r"/(privacy(-policy|-notice)?|terms(-of-(use|service)|-and-conditions)?|tos|legal|imprint|"
    r"impressum|cookies?(-policy)?|about(-us)?|contact(-us)?|careers|jobs|advertis\w*|"
    r"corrections?(-policy)?|ethics|accessibility|sitemap|help|faq|feed|rss|tips|get-in-touch|"
    r"contact[-\w]*|[-\w]+-contact-?form|request-info|request-information|apply-now|email-protection|"
    # the site's statements about itself: how it reviews, who pays it, its editorial rules
    r"[-\w]*disclosures?|(advertising|affiliate)-polic(y|ies)|"
    r"editorial-(polic(y|ies)|process|guidelines|standards|independence)|how-we-(review|test|rate)[-\w]*)"
    r"(\.\w+)?/?$", re.I,
)  # the page's last segment: /terms/a/algorithm.asp is a glossary entry, /careers/cpa/ a topic
_IMAGE = re.compile(r"\.(jpe?g|png|gif|webp|avif|svg|bmp|tiff?)$", re.I)
_AUTHOR_PATH = re.compile(r"/(authors?|profiles?|people|staff|writers?|contributors?|team|by|"
                          r"user|users|members?|journalists?|experts?)/[^/]+/?$", re.I)
_TAXONOMY_PATH = re.compile(
    r"/(tags?|topics?|category|categories|section|sections|series|keywords?|subjects?|labels?|"
    r"themes?|hub|hubs|collections?|archives?|search|page"
    # a blog's own taxonomies (WordPress: /review-category/, /product-tag/, /news_category/)
    r"|[a-z]+[-_](category|categories|tags?))(/|$|\?)", re.I,
)
# The site's own offer: product, service, pricing and course pages a company blog links from its
# prose (a sales link, not a source); stories and guides of the site are not matched.
_OWN_OFFER = re.compile(
    r"/(services?|solutions?|products?|features?|pricing|plans|platform|software|integrations?|"
    r"templates?|tools?|classes|courses?|lessons?|programs?|certificates?|packages?|"
    r"collections?|catalog|menus?|catering|treatments?|therap(y|ies)|consulting|agency|industries|"
    r"use-cases?|customers|discount|coupons?|deals?|offers?|quote|get-a-quote|book|booking|hire|"
    r"rentals?|locations?|service-areas?|how-it-works|what-we-(do|offer)|our-(services|work|solutions|"
    r"products|destinations|offer)|near-me|find-a-\w+|talent)(/|$|\.)"
    # a short slug naming the offer (a story's slug is longer: how-fast-can-i-earn-a-degree)
    r"|/([a-z0-9]+-){1,3}(services?|solutions?|software|agency|development|consulting|treatment|"
    r"therapy|packages?|app|course|classes|lessons|certificate|program|jobs|calculator)(/|$|\.)", re.I,
)
_EDITORIAL = re.compile(r"/(blog|blogs|news|articles?|posts?|stories|story|insights|resources|learn|"
                        r"guides?|magazine|journal|library|knowledge|academy|research|reports?|"
                        r"\d{4})(/|$)", re.I)
_DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|csv|pptx?|odt|ods|txt|json|xml|zip|epub)$", re.I)
_OFFICIAL = re.compile(r"(^|\.)(gov|edu|int|mil|gouv\.[a-z]+|gob\.[a-z]+|govt\.[a-z]+|gc\.ca|"
                       r"gov\.[a-z]+|ac\.[a-z]+|edu\.[a-z]+|europa\.eu|who\.int|un\.org|nhs\.uk)$",
                       re.I)
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "go"}


@lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable part of a host, near enough (``www.bbc.co.uk`` -> ``bbc.co.uk``)."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, page_url: str) -> bool:
    return _same_site_hosts(urlsplit(url).hostname or "", urlsplit(page_url).hostname or "")


def _same_site_hosts(a: str, b: str) -> bool:
    return bool(a) and site_of(a) == site_of(b)


def is_social_profile(url: str) -> bool:
    """A social network's profile or page of an account (``twitter.com/name``), not a post."""
    parts = urlsplit(url)
    if not _SOCIAL_HOSTS.search(parts.hostname or ""):
        return False
    path = parts.path.rstrip("/")
    if _SOCIAL_CONTENT.search(path + ("?" + parts.query if parts.query else "")):
        return False
    segments = [s for s in path.split("/") if s]
    if segments and segments[0].lower() in {"company", "in", "user", "c", "channel", "pages", "groups"}:
        segments = segments[1:]
    return len(segments) <= 1


def _words(segment: str) -> int:
    return len([w for w in re.split(r"[-_+ ]|%20", segment) if w])


def _section_like(path: str, same_host: bool, page_path: str = "", query: str = "") -> str | None:
    """Why a same-site path reads as a section, tag or home page rather than a story. Another host
    of the site (``library.uni.edu`` seen from ``news.uni.edu``) is a site of its own: its home
    page is not this site's section. A path the page's own path extends (``/lifestyle/entertaining/``
    from ``/lifestyle/entertaining/summer-party-ideas/``) is the section the page sits in."""
    segments = [s for s in path.split("/") if s]
    if not segments:
        return "the site's home page" if same_host else None
    if same_host and not query and _ancestor(segments, page_path):
        return f"the section the page sits in ({path})"
    if _TAXONOMY_PATH.search(path) and _words(segments[-1]) <= 3:
        return f"a tag or section page ({path})"  # /topic/weight/achieving-a-healthy-weight: a story
    return None


def _ancestor(segments: list[str], page_path: str) -> bool:
    """The page's path starts with all of these segments and goes on."""
    page = [s.lower() for s in page_path.split("/") if s]
    return len(segments) < len(page) and page[:len(segments)] == [s.lower() for s in segments]


_REDIRECT_WORDS = frozenset({"go", "out", "recommends", "refer", "visit"})


def _bare_redirect(path: str, query: str) -> bool:
    """``/go`` or ``/out`` alone: an affiliate redirect names where it sends (``/go/acme-chair``,
    ``/out?url=...``), so the bare word on the site is a page like any other (a story's own
    redirect to a document), judged by the one-word rules."""
    return not query and path.strip("/").lower() in _REDIRECT_WORDS


def one_word_page(path: str) -> str | None:
    """The word of a one-word top-level path (``/politics``, ``/breathwork``): a section or topic
    page when a keyword is linked to it, or when it stands in a list of links; in a sentence whose
    anchor says something else it may be any page (weighed in the decision)."""
    segments = [s for s in path.split("/") if s]
    if len(segments) == 1:
        word = segments[0].lower()
        if "." not in word and not re.search(r"[\d_-]", word):
            return word
    return None


@lru_cache(maxsize=8192)
def canonical_key(url: str) -> str | None:
    """The dedup key of a URL, or None when it has none (cached: a page's links repeat, and a
    crawl's pages share their menus; the decision, the targets and the crawl-wide repetition count
    all key the same links)."""
    try:
        return canonical_url(url)
    except InvalidURL:
        return None


def _is_self(url: str, page_url: str) -> bool:
    key = canonical_key(url)
    return key is not None and key == canonical_key(page_url)


# A retailer's product page (``/product/123``, ``/dp/B0..``, ``/c/product/``, ``/ip/``, ``/itm/``), not its
# reviews ("/p/" and "/item/" are too common elsewhere: an Instagram post, a news item).
_RETAIL_PRODUCT = re.compile(r"/(product|products|dp|gp/product|c/product|ip|itm)/[^/]", re.I)


def retail_product_page(url: str, page_url: str) -> bool:
    """Another site's product page (its reviews excepted): a shop link when the page says its
    product links are affiliate links (``context.affiliate_disclosure``)."""
    parts = urlsplit(url)
    return (not same_site(url, page_url) and not _SOCIAL_HOSTS.search(parts.hostname or "")
            and bool(_RETAIL_PRODUCT.search(parts.path)) and "review" not in parts.path.lower())


def _search_engine_link(url: str, path: str, query: str, page_url: str) -> Target | None:
    """A search engine's results page is a list, not a source (like the site's own search); its
    click redirect (``google.com/url?q=...``, what a document pasted from an editor carries) is
    judged as the address it sends to."""
    params = dict(parse_qsl(query))
    if path == "/url":
        target = params.get("q") or params.get("url") or ""
        if target.startswith(("http://", "https://")) and target != url:
            return classify_target(target, page_url)
        return None
    if path.rstrip("/") in {"/search", "/web", ""} and ("q" in params or "p" in params):
        return Target("tag-section", f"a search engine's results ({path}?{query[:30]})")
    return None


def classify_target(url: str, page_url: str) -> Target:
    """The class of a clean, absolute URL seen from the page that links it.

    Not cited: ``self``, ``share``, ``shop-affiliate``, ``newsletter-account``, ``site-service``,
    ``author``, ``tag-section``, ``image``; weighed with the anchor and the block:
    ``social-profile`` (a profile in a sentence about that account is cited) and
    ``one-word-page`` (``/politics``: a section when its word is the anchor or it stands alone).
    Cited kinds, for the record: ``archive``, ``doi``, ``document``, ``official``, ``social-post``,
    ``own-page``, ``other-site``."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    query = parts.query
    page_host = (urlsplit(page_url).hostname or "").lower()
    own = _same_site_hosts(host, page_host)
    if own and _is_self(url, page_url):
        return Target("self", "a link to the page itself")
    if is_archive(url):
        original = archived_original(url)
        return Target("archive", original or "")
    if host in {"doi.org", "dx.doi.org"}:
        return Target("doi")
    if _SHARE_HOSTS.search(host) or (
        _SHARE_PATH.search(path) and (_SOCIAL_HOSTS.search(host) or "url=" in query or "u=" in query)
    ):
        return Target("share", f"a share link ({host})")
    if _APP_HOSTS.search(host):
        return Target("newsletter-account", f"an app store or podcast subscription ({host})")
    if _DONATION_HOSTS.search(host):
        return Target("newsletter-account", f"a membership or donation page ({host})")
    if _FORM_HOSTS.search(host) or (host == "docs.google.com" and path.startswith("/forms/")):
        return Target("site-service", f"a form or booking page ({host})")
    if _SEARCH_ENGINE.search(host):
        found = _search_engine_link(url, path, query, page_url)
        if found is not None:
            return found
    if _SHOP_HOSTS.search(host):
        return Target("shop-affiliate", f"a shop or affiliate link ({host})")
    params = {k.lower() for k, _ in parse_qsl(query, keep_blank_values=True)}
    if params & _AFFILIATE_PARAMS and (_AMAZON.search(host) or not own):
        return Target("shop-affiliate", f"an affiliate link (?{sorted(params & _AFFILIATE_PARAMS)[0]}=)")
    if _AMAZON.search(host) and re.search(r"/(dp|gp/product)/", path, re.I):
        return Target("shop-affiliate", f"a product page of a shop ({host})")
    if not own and _REDIRECT_HOST.match(host) and len(path.strip("/")) <= 16:
        return Target("shop-affiliate", f"a tracking or affiliate redirect ({host}{path})")
    if re.search(r"/(go|go-to|out|recommends|refer)/", path, re.I) or _CLICK_PATH.search(path):
        return Target("shop-affiliate", f"an affiliate redirect ({path[:40]})")
    if _ACCOUNT_PATH.search(path) or (own and _OWN_ACCOUNT_PATH.search(path)):
        return Target("newsletter-account", f"a newsletter, account or sign-up page ({path})")
    if _IMAGE.search(path):
        return Target("image", "a link to an image file")
    if own and re.search(r"(^|&)(s|q|search|query)=", query):
        return Target("tag-section", f"the site's search ({path}?{query[:30]})")
    if path.rstrip("/") in {"", "/search"} and re.search(r"(^|&)(s|q|search|query)=", query):
        return Target("tag-section", f"a site's search results ({host}{path}?{query[:30]})")
    if _SERVICE_PATH.search(path) and own:
        return Target("site-service", f"a site service page ({path})")
    if own and _AUTHOR_PATH.search(path):
        return Target("author", f"an author page ({path})")
    if own:
        same_host = host.removeprefix("www.") == page_host.removeprefix("www.")
        section = _section_like(path, same_host, urlsplit(page_url).path, query)
        if section:
            return Target("tag-section", section)
        # The shop and the offer first: a one-word path that names them (/services, /products,
        # /integrations) is the list of what the site sells, not a section of its writing.
        if _SHOP_PATH.search(path) and not _bare_redirect(path, query):
            return Target("shop-affiliate", f"the site's shop ({path})", own_offer=True)
        last = [s for s in path.split("/") if s][-1:] or [""]
        if _OWN_OFFER.search(path) and not _EDITORIAL.search(path) and _words(last[0]) <= 4:
            return Target("shop-affiliate", f"the site's own product or service page ({path})",
                          own_offer=True)
        word = one_word_page(path) if same_host else None
        if word:
            return Target("one-word-page", f"a section page ({path})", word)
    # Another site's product page is what a sentence about that product cites; its cart is not.
    if not own and re.search(r"/(cart|checkout|buy|shop)(/|$)", path, re.I):
        return Target("shop-affiliate", f"a shop page ({host})")
    if is_social_profile(url):
        return Target("social-profile", f"a social profile ({host}{path.rstrip('/')})")
    if _SOCIAL_HOSTS.search(host):
        return Target("social-post")
    if _DOCUMENT.search(path):
        return Target("document")
    if own:
        return Target("own-page")
    if _OFFICIAL.search(host):
        return Target("official")
    return Target("other-site")
