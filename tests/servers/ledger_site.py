"""Content of the ledger story: a news article whose citations meet every fate the citation ledger
knows (issue 15), spread over three sites so "moved" (another site) and the soft-404 probe (one per
site) mean something.

    news     127.0.0.1:P   The Harbour Gazette: the story, live, redirected, dead, 500, timeout,
                           bare-text and changed sources; unknown paths are a real 404
    records  127.0.0.2:Q   Coastal Records Office: where a citation moved to, and a soft-404 site
                           (any unknown path, the probe's too, answers 200 "Page not found")
    press    127.0.0.3:R   The Maritime Ledger: a paywalled article, a bot wall, a login wall

Pages are functions of the three bases; ``LEDGER_CITATIONS`` lists the story's citations in the
order they appear, with what the crawl must record for each. The changed source is served as
version 2; ``CHANGED_V1_HTML`` is what it said when the story was published (an independent
archive's copy, for tests/servers' local pywb). Nothing here touches the main fixture site.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from tests.servers.site import Page

STORY_PATH = "/news/2026/harbour-dredging.html"
STORY_TITLE = "Harbour dredging plan faces questions over costs and silt"
STORY_PUBLISHED = "2026-03-10T09:00:00+00:00"
STORY_DATE = "2026-03-10"

# news host
LIVE_PATH = "/reports/dredging-plan.html"
OLD_SURVEY_PATH = "/reports/old-survey"  # 301 -> SURVEY_PATH (same site)
SURVEY_PATH = "/reports/survey-2025.html"
ACCOUNTS_PATH = "/reports/harbour-accounts"  # 301 -> records ACCOUNTS_MOVED_PATH (another site)
WITHDRAWN_PATH = "/reports/withdrawn.html"  # 404
BROKEN_PATH = "/reports/broken.html"  # 500
SLOW_PATH = "/data/tide-gauge.html"  # held past the crawl's DOWNLOAD_TIMEOUT
BARE_PATH = "/data/soundings.html"  # written out in the text, not linked
CHANGED_PATH = "/statements/port-statement.html"  # version 2 now; version 1 when the story ran
# records host
ACCOUNTS_MOVED_PATH = "/archive/harbour-accounts.html"
SOFT404_PATH = "/minutes/2025-11-board.html"  # no such page: the site's 200 "Page not found"
# press host
PAYWALLED_PATH = "/2026/03/dredging-costs.html"
BOT_WALL_PATH = "/tenders/port-authority.html"  # 403 challenge page
LOGIN_CITED_PATH = "/members/board-papers"  # 302 -> LOGIN_PATH
LOGIN_PATH = "/login"  # 200 sign-in form

SLOW_HOLD = 20.0  # seconds the slow page waits before answering (the ledger settings time out at 3)

SOFT404_TITLE = "Page not found | Coastal Records Office"
SOFT404_SENTENCE = ("Sorry, we could not find the page you were looking for. It may have been moved "
                    "or archived; try the search box or browse the catalogue of records.")

CHANGED_TITLE = "Statement on the harbour dredging programme"
CHANGED_V1_SENTENCE = ("The port authority confirms that the first phase of dredging will remove about "
                       "40,000 cubic metres of silt from the inner harbour.")
CHANGED_V2_SENTENCE = ("The port authority confirms that the first phase of dredging will remove about "
                       "120,000 cubic metres of silt from the inner harbour and the outer channel.")
CHANGED_COMMON_SENTENCE = ("Work is expected to start in the spring and to last about eleven weeks, "
                           "with the fishing fleet moved to the east quay while it lasts.")

PAYWALL_TEASER = ("The cost of keeping the harbour open to larger vessels has doubled in five years, "
                  "according to figures seen by the Maritime Ledger.")
BOT_WALL_TITLE = "Just a moment..."
LOGIN_TITLE = "Sign in | The Maritime Ledger"

# Sentences of the story that cite each source (the ledger's ``context`` of the citation).
CONTEXT = {
    "live": "The harbour board published the dredging plan on Monday, setting out three phases of "
            "work over two years.",
    "redirected": "Last year's seabed survey found silt up to two metres deep along the north wall.",
    "moved": "The harbour trust's accounts show the cost of maintenance dredging rising every year "
             "since 2021.",
    "dead": "An environmental assessment of the work was withdrawn in February without explanation.",
    "error": "The contractor's method statement describes how the silt would be taken out to sea.",
    "soft-404": "The minutes of the November board meeting record the first discussion of the plan.",
    "paywalled": "A cost analysis in the Maritime Ledger puts the final bill above eleven million "
                 "pounds.",
    "bot-wall": "The port authority's tender notice asks for bids by the end of April.",
    "login": "Members can read the board's meeting papers for the full debate.",
    "timeout": "Readings from the harbour tide gauge are published every fifteen minutes.",
    "changed": "In a statement to the press, the port authority gave the volume of silt to be "
               "removed.",
}


@dataclass(frozen=True)
class LedgerCitation:
    """One citation of the story and what the crawl must record for it."""

    name: str  # the fate it is built for (dead 500 is "error": its fate is dead too)
    host: str  # "news" | "records" | "press"
    path: str
    anchor: str  # "" for a URL written out in the text
    fate: str  # what the ledger should decide
    status: int | None  # the final status (None: no response)
    hops: tuple[tuple[str, str], ...] = ()  # (host, path) of each redirect target, in order
    access: str | None = None  # the page's ``access`` value


LEDGER_CITATIONS = (
    LedgerCitation("live", "news", LIVE_PATH, "the dredging plan", "live", 200),
    LedgerCitation("redirected", "news", OLD_SURVEY_PATH, "seabed survey", "redirected", 200,
                   (("news", SURVEY_PATH),)),
    LedgerCitation("moved", "news", ACCOUNTS_PATH, "harbour trust's accounts", "moved", 200,
                   (("records", ACCOUNTS_MOVED_PATH),)),
    LedgerCitation("dead", "news", WITHDRAWN_PATH, "environmental assessment", "dead", 404),
    LedgerCitation("error", "news", BROKEN_PATH, "method statement", "dead", 500),
    LedgerCitation("soft-404", "records", SOFT404_PATH, "minutes of the November board meeting",
                   "soft-404", 200),
    LedgerCitation("paywalled", "press", PAYWALLED_PATH, "cost analysis", "paywalled", 200,
                   access="paywalled"),
    LedgerCitation("bot-wall", "press", BOT_WALL_PATH, "tender notice", "blocked", 403,
                   access="bot-wall"),
    LedgerCitation("login", "press", LOGIN_CITED_PATH, "meeting papers", "blocked", 200,
                   (("press", LOGIN_PATH),), access="login"),
    LedgerCitation("timeout", "news", SLOW_PATH, "harbour tide gauge", "timeout", None),
    LedgerCitation("changed", "news", CHANGED_PATH, "a statement to the press", "live", 200),
    LedgerCitation("bare-text", "news", BARE_PATH, "", "live", 200),
)


def _html(text: str, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Page:
    return Page(status, text.encode("utf-8"), "text/html; charset=utf-8", headers=headers or [])


def _page(title: str, paragraphs: list[str], head: str = "", body_end: str = "") -> str:
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{head}
</head>
<body>
<main>
<article>
<h1>{escape(title)}</h1>
{paras}
</article>
{body_end}
</main>
</body>
</html>
"""


def _link(href: str, anchor: str) -> str:
    return f'<a href="{escape(href)}">{escape(anchor)}</a>'


def _cite(sentence: str, anchor: str, href: str) -> str:
    """The sentence with its anchor words made the link."""
    assert anchor in sentence, (anchor, sentence)
    return escape(sentence).replace(escape(anchor), _link(href, anchor), 1)


def story(news: str, records: str, press: str) -> Page:
    bases = {"news": news, "records": records, "press": press}
    cite = {c.name: _cite(CONTEXT[c.name], c.anchor, bases[c.host] + c.path)
            for c in LEDGER_CITATIONS if c.anchor}
    paragraphs = [
        f"{cite['live']} Ships longer than 150 metres cannot enter the inner harbour at low tide, "
        "and the board says the port will lose its ferry service without the work.",
        f"{cite['redirected']} Engineers say the silt has built up faster since the breakwater was "
        f"extended. {cite['moved']} Board members have asked for the figures to be checked.",
        f"{cite['dead']} {cite['error']} Campaigners fear that the spoil will harm the mussel beds "
        "along the estuary.",
        f"{cite['soft-404']} Fishermen who attended say they were not told about the plan until "
        "the summer.",
        f"{cite['paywalled']} {cite['bot-wall']} {cite['login']}",
        f"{cite['timeout']} {cite['changed']} The authority says the figures will be reviewed "
        "once the survey vessel has finished its work.",
        "Independent divers have published their own soundings of the channel, taken over three "
        f"weekends in January. Source: {news}{BARE_PATH}",
    ]
    head = (f'<meta property="article:published_time" content="{STORY_PUBLISHED}">\n'
            f'<meta property="og:title" content="{escape(STORY_TITLE)}">\n'
            '<meta property="og:site_name" content="The Harbour Gazette">')
    return _html(_page(STORY_TITLE, paragraphs, head))


def _source(title: str, first: str) -> Page:
    return _html(_page(title, [
        escape(first),
        "The document was prepared for the harbour board and is published here in full, with "
        "the appendices that were presented at the meeting.",
    ]))


def changed_html(version: int) -> str:
    """The cited statement as version 1 (when the story ran) or 2 (now) said it."""
    first = CHANGED_V1_SENTENCE if version == 1 else CHANGED_V2_SENTENCE
    return _page(CHANGED_TITLE, [escape(first), escape(CHANGED_COMMON_SENTENCE)])


CHANGED_V1_HTML = changed_html(1)
CHANGED_V2_HTML = changed_html(2)

SOFT404_HTML = _page(SOFT404_TITLE, [escape(SOFT404_SENTENCE)])

PAYWALLED_HTML = _page(
    "Dredging costs: who pays for a deeper harbour?",
    [escape(PAYWALL_TEASER)],
    head="""<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Dredging costs: who pays for a deeper harbour?",
 "isAccessibleForFree": "False",
 "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "False", "cssSelector": ".paywall"}}
</script>""",
    body_end='<div class="paywall"><h2>Subscribe to continue reading</h2>'
             '<p>Already a subscriber? <a href="/login">Log in</a></p></div>',
)

BOT_WALL_HTML = f"""<!DOCTYPE html>
<html lang="en-US"><head><title>{BOT_WALL_TITLE}</title>
<meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1>Checking your browser before accessing the site</h1>
<p>Please verify you are a human by completing the action below.</p>
<form id="challenge-form" action="/tenders/port-authority.html?__cf_chl_f_tk=x" method="POST">
<div class="cf-turnstile" data-sitekey="0x4AAAA"></div>
<input type="hidden" name="captcha_token" value="">
<input type="submit" value="Verify">
</form></div></div>
<script>window._cf_chl_opt={{cType: 'managed'}};</script>
</body></html>
"""

LOGIN_HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{LOGIN_TITLE}</title></head>
<body><main><h1>Sign in to continue</h1>
<form method="post" action="/session">
<label>Email address <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button>
</form>
<p><a href="/forgot-password">Forgotten your password?</a></p>
</main></body></html>
"""

ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


def news_site(news: str, records: str, press: str) -> dict[str, Page]:
    return {
        "/robots.txt": Page(200, ROBOTS_TXT, "text/plain; charset=utf-8"),
        STORY_PATH: story(news, records, press),
        LIVE_PATH: _source("Harbour dredging plan 2026-2028",
                           "The plan sets out three phases of dredging over two years, starting "
                           "with the inner harbour and ending with the approach channel."),
        OLD_SURVEY_PATH: _html("", 301, [("Location", f"{news}{SURVEY_PATH}")]),
        SURVEY_PATH: _source("Seabed survey 2025",
                             "The survey measured silt depths at forty points along the north wall, "
                             "the inner basin and the approach channel."),
        ACCOUNTS_PATH: _html("", 301, [("Location", f"{records}{ACCOUNTS_MOVED_PATH}")]),
        WITHDRAWN_PATH: _html(_page("Not found", ["This document has been withdrawn."]), 404),
        BROKEN_PATH: _html(_page("Server error", ["Something went wrong on our side."]), 500),
        SLOW_PATH: _source("Tide gauge readings", "Readings are published every fifteen minutes."),
        BARE_PATH: _source("Divers' soundings of the approach channel",
                           "Volunteer divers took soundings at twenty-two points of the approach "
                           "channel on three weekends in January."),
        CHANGED_PATH: _html(CHANGED_V2_HTML),
    }


def records_site(news: str) -> dict[str, Page]:
    return {
        "/robots.txt": Page(200, ROBOTS_TXT, "text/plain; charset=utf-8"),
        ACCOUNTS_MOVED_PATH: _source("Harbour trust: annual accounts 2021-2025",
                                     "Maintenance dredging cost the trust more in each year from "
                                     "2021 to 2025, according to its audited accounts."),
    }


def soft_404(path: str) -> Page:
    """What the records site answers for any path it does not have: a 200, the same page."""
    return _html(SOFT404_HTML)


def press_site() -> dict[str, Page]:
    return {
        "/robots.txt": Page(200, ROBOTS_TXT, "text/plain; charset=utf-8"),
        PAYWALLED_PATH: _html(PAYWALLED_HTML),
        BOT_WALL_PATH: _html(BOT_WALL_HTML, 403, [("Cache-Control", "no-store")]),
        LOGIN_CITED_PATH: _html("", 302, [("Location", f"{LOGIN_PATH}?next={LOGIN_CITED_PATH}")]),
        LOGIN_PATH: _html(LOGIN_HTML),
    }
