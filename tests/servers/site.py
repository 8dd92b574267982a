"""Content of the fixture web: a news article with heavy boilerplate and the pages it cites.

Everything is built in Python. Pages that need absolute links are functions of ``base``
("http://127.0.0.1:PORT"). The constants at the top are what the tests assert against; they do
not depend on the port.

Off-site links (share buttons, "follow us") use hosts under the reserved ``.invalid`` TLD, so even a
crawler bug that fetched them could not leave the machine.
"""

from __future__ import annotations

import email.utils
import gzip
import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

# --------------------------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------------------------

ARTICLE_PATH = "/news/2026/disputed-story.html"
GONE_PATH = "/gone.html"  # a seed that is itself a 404 (exit code 3)

REPORT_PATH = "/sources/report.html"  # served with Content-Encoding: gzip
CHUNKED_PATH = "/sources/chunked.html"  # served with Transfer-Encoding: chunked
MOVED_PATH = "/sources/moved"  # 301 -> REDIRECT_TARGET_PATH
REDIRECT_TARGET_PATH = "/sources/new-location.html"
MISSING_PATH = "/sources/missing.html"  # 404 with a small HTML body
RESET_PATH = "/sources/reset"  # Content-Length 5000, 100 bytes, then TCP RST
PDF_PATH = "/docs/report.pdf"
CYRILLIC_PATH = "/sources/cyrillic.html"  # windows-1251, declared only in <meta charset>
JAPANESE_PATH = "/sources/japanese.html"  # Shift_JIS, declared only in the HTTP header
BARE_URL_PATH = "/sources/bare.html"  # written in the article as plain text, not as a link
DEEPER_PATH = "/sources/deeper.html"  # cited by REPORT_PATH: depth 2, not fetched at --depth 1
PRIVATE_PATH = "/private/staff.html"  # disallowed by robots.txt, linked from the footer

TRACKED_JUNK_QUERY = "?utm_source=twitter&utm_medium=social&fbclid=abc#section-2"
TRACKED_JUNK_HREF = REPORT_PATH + TRACKED_JUNK_QUERY  # same page as REPORT_PATH once canonical

RESET_DECLARED_LENGTH = 5000
RESET_SENT_LENGTH = 100

# What the article cites, canonical (no tracking junk, no fragment). The bare URL is included:
# drop BARE_URL_PATH here if bare URLs in text are ruled out of citation finding.
CITED_PATHS = frozenset(
    {
        REPORT_PATH,
        CHUNKED_PATH,
        MOVED_PATH,
        MISSING_PATH,
        RESET_PATH,
        PDF_PATH,
        CYRILLIC_PATH,
        JAPANESE_PATH,
        BARE_URL_PATH,
    }
)

# Cited HTML pages that answer 200 (and so get a text/<page-key>.json), plus the redirect target.
CITED_HTML_200_PATHS = frozenset(
    {REPORT_PATH, CHUNKED_PATH, REDIRECT_TARGET_PATH, CYRILLIC_PATH, JAPANESE_PATH, BARE_URL_PATH}
)

# Page requisites of the article (and of REPORT_PATH, which shares the stylesheet).
REQUISITE_PATHS = frozenset(
    {
        "/static/style.css",
        "/static/font.woff2",  # from @font-face in style.css
        "/static/bg.png",  # url(bg.png) in style.css, relative to the stylesheet
        "/static/logo.png",
        "/static/logo-2x.png",  # from srcset
        "/static/app.js",
        "/static/chart.png?w=640",  # figure in the article body; keeps its query string
        "/favicon.ico",
    }
)

RELATED_PATHS = (
    "/news/2026/other-bus-depot.html",
    "/news/2026/other-school-budget.html",
    "/news/2026/other-flood-defences.html",
    "/news/2026/other-mayor-interview.html",
)
NAV_PATHS = (
    "/",
    "/world",
    "/politics",
    "/business",
    "/sport",
    "/culture",
    "/opinion",
    "/login",
    "/subscribe",
)
FOOTER_PATHS = (
    "/about",
    "/contact",
    "/privacy",
    "/terms",
    "/cookies",
    "/careers",
    "/advertise",
    "/accessibility",
    "/corrections",
    "/archive-index",
    PRIVATE_PATH,
)
COMMENTER_PATHS = ("/users/river-watcher", "/users/millbrook-mum", "/blog/tom-h.html")
OTHER_BOILERPLATE_PATHS = ("/authors/jane-okafor", "/newsletter", "/newsletter/signup")
# A link in a sentence of the article to the site's tag page: in the main text, not a citation,
# listed in ``links_not_cited`` with its reason.
TAG_PATH = "/tag/water-quality"
TAG_REASON = "tag-section"

# Citations the laboratory report (cited at depth 1, its own citations not followed at --depth 1)
# writes out or links to an archived copy: recognised and labelled with their kind, not fetched.
REPORT_DOI = "10.5555/millbrook.2025.17"
REPORT_WAYBACK = "https://web.archive.org/web/20250301120000/http://council.example/water/2025"
REPORT_WAYBACK_ORIGINAL = "http://council.example/water/2025"
REPORT_ARCHIVE_SHORT = "https://archive.ph/Xk3mQ"

# Paths that must never be fetched as citations of the article (nor at all, at --depth 1).
NOT_CITATIONS = frozenset(
    {
        *NAV_PATHS,
        *FOOTER_PATHS,
        *RELATED_PATHS,
        *COMMENTER_PATHS,
        *OTHER_BOILERPLATE_PATHS,
        TAG_PATH,
        DEEPER_PATH,
    }
)
# Hosts of share/social links: never fetched, never citations.
INVALID_HOSTS = frozenset({"twitter.invalid", "facebook.invalid", "linkedin.invalid", "whatsapp.invalid"})

# --------------------------------------------------------------------------------------------
# Sentences the tests look for
# --------------------------------------------------------------------------------------------

SITE_NAME = "The Riverside Courier"
ARTICLE_TITLE = "Residents dispute council's clean-water report for Millbrook"
ARTICLE_AUTHOR = "Jane Okafor"
ARTICLE_PUBLISHED = "2026-03-02T08:15:00+00:00"
ARTICLE_DATE = "2026-03-02"

ARTICLE_SENTENCES = (
    "Residents of Millbrook say the council's assurance that their tap water is safe rests on "
    "samples taken from the wrong side of the river.",
    "Engineers at the treatment works replaced the carbon filters in November, two months after "
    "the first complaints about a metallic taste were logged.",
    "Several families on Orchard Lane have been buying bottled water since the autumn and say "
    "nobody from the council has knocked on their doors.",
    "The council has promised a second round of independent sampling before the end of April.",
)

# Phrases from the nav, cookie banner, share bar, related list, comments, newsletter box, author
# bio and footer: none may appear in the extracted text of the article.
BOILERPLATE_PHRASES = (
    "We use cookies to give you the best possible experience",
    "Accept all cookies",
    "Manage cookie preferences",
    "Share this story",
    "Council approves new bus depot near the river",
    "Flood defence works delayed until summer",
    "This is a disgrace, I have been saying so for years",
    "Has anyone tested the wells on the east side",
    "Get The Courier Daily in your inbox every morning",
    "Enter your email address",
    "covers the environment and local government for the Courier",
    "Riverside Courier Media Ltd. All rights reserved",
    "Subscribe for unlimited access",
    "Most read this week",
)

PAGE_SENTENCES = {
    ARTICLE_PATH: ARTICLE_SENTENCES[0],
    REPORT_PATH: "Lead concentrations at the Weir Street sampling point averaged 4.2 micrograms "
    "per litre across the twelve-week study.",
    CHUNKED_PATH: "The utility's own logbook records three pressure drops at the pumping station "
    "during the week the complaints began.",
    REDIRECT_TARGET_PATH: "The regional health agency moved its water quality bulletins to a new "
    "address after the website was reorganised in January.",
    CYRILLIC_PATH: "Жители Миллбрука утверждают, что пробы воды брали не на том берегу реки.",
    JAPANESE_PATH: "ミルブルックの住民は、水質検査の試料が川の反対側で採取されたと主張している。",
    BARE_URL_PATH: "Volunteers from the Millbrook Water Watch collected forty-one samples from "
    "kitchen taps between October and December.",
    DEEPER_PATH: "This page is cited only by the report and sits two hops from the article.",
}
# A second, different sentence per cited page (assertions on more than one paragraph).
PAGE_SECOND_SENTENCES = {
    REPORT_PATH: "The laboratory notes that four of the samples were stored for longer than the "
    "recommended forty-eight hours before analysis.",
    CHUNKED_PATH: "Pressure drops can draw sediment from old cast-iron mains into the supply.",
    REDIRECT_TARGET_PATH: "Bulletins older than five years are available on request from the "
    "agency's records office.",
    CYRILLIC_PATH: "Городской совет обещает провести независимую проверку до конца апреля.",
    JAPANESE_PATH: "市議会は四月末までに独立した再検査を行うと約束した。",
    BARE_URL_PATH: "Each sample was split in two and sent to separate laboratories.",
}
MISSING_BODY_SENTENCE = "The page you were looking for has been removed or never existed."
EDITED_SENTENCE = "Correction: an earlier version of this article misstated the number of homes affected."

# --------------------------------------------------------------------------------------------
# Scheduled crawls: the "edited" variant, feeds and sitemaps
# --------------------------------------------------------------------------------------------
# FixtureWeb(variant="default") is the site at run 1; ``web.set_variant("edited")`` turns it into
# the site at run 2. In "edited" the article has a new headline, a softened claim, the correction
# (EDITED_SENTENCE), lost one citation and gained another; the churn page changed only its
# "Updated N minutes ago" and view-counter lines; the feed gained one entry (the newest). Every
# other response is byte-identical between the variants (gzip mtime 0, dates relative to the
# server's fixed ``now``), so a re-crawl can write revisit records for them.

EDITED_TITLE = "Residents question council's clean-water report for Millbrook"
CLAIM_SENTENCE = (  # in the default article; replaced by SOFTENED_CLAIM in "edited"
    "None of the twelve taps is east of the river, where most of the Victorian housing stock and "
    "its lead service pipes remain."
)
SOFTENED_CLAIM = (
    "Few, if any, of the twelve taps appear to be east of the river, where some of the Victorian "
    "housing stock and its lead service pipes may remain."
)
REMOVED_CITATION_PATH = JAPANESE_PATH  # cited by the default article only
NEW_CITATION_PATH = "/sources/agency-statement.html"  # cited by the edited article only
NEW_CITATION_SENTENCE = (
    "The agency said on Friday that it stands by the sampling plan but will review the location "
    "of the taps before the next annual summary."
)
# A cited page served byte-identical by both variants (gzip, mtime 0): a revisit at run 2.
UNCHANGED_CITATION_PATH = REPORT_PATH
# Requisites of the article served byte-identical by both variants.
UNCHANGED_REQUISITE_PATHS = frozenset(REQUISITE_PATHS)

# A live page whose only change between the variants is churn (an "Updated N minutes ago" line and a
# view counter): its bytes change, its text does not in any way an editor would care about.
CHURN_PATH = "/live/millbrook-water-updates.html"
CHURN_TITLE = "Millbrook water: live updates"
CHURN_SENTENCE = (
    "Council officers will meet residents of the east-side estates at the library on Thursday "
    "evening to explain the second round of sampling."
)
CHURN_LINES = {  # variant -> the churn lines it shows
    "default": ("Updated 5 minutes ago", "1,234 views"),
    "edited": ("Updated 47 minutes ago", "1,310 views"),
}

FEED_PATH = "/feeds/news.xml"  # RSS 2.0
SITEMAP_PATH = "/sitemaps/news.xml"  # a Google News sitemap (<news:publication_date>)

# Entries, each an article page on this site, with its age relative to the server's ``now``.
FEED_ENTRY_AGES = {  # in the feed of both variants, newest first
    "/news/2026/council-vote.html": timedelta(days=1),
    "/news/2026/school-meals.html": timedelta(days=2),
    "/news/2026/bridge-repairs.html": timedelta(days=3),
    "/news/2026/harvest-fair.html": timedelta(days=10),  # older than 7 days
    "/news/2026/winter-market.html": timedelta(days=40),  # older than 7 days
}
FEED_NEW_ENTRY_PATH = "/news/2026/new-test-results.html"  # in the "edited" feed only: the newest
FEED_NEW_ENTRY_AGE = timedelta(hours=1)
SITEMAP_ENTRY_AGES = {  # in the news sitemap of both variants (the sitemap never changes)
    "/news/2026/flood-grant.html": timedelta(days=2),
    "/news/2026/library-hours.html": timedelta(days=12),  # older than 7 days
}
ENTRY_AGE_LIMIT_DAYS = 7  # a max_entry_age_days that splits the entries above into recent and old
FEED_RECENT_PATHS = tuple(p for p, age in FEED_ENTRY_AGES.items() if age.days < ENTRY_AGE_LIMIT_DAYS)
FEED_OLD_PATHS = tuple(p for p, age in FEED_ENTRY_AGES.items() if age.days >= ENTRY_AGE_LIMIT_DAYS)
SITEMAP_RECENT_PATHS = tuple(
    p for p, age in SITEMAP_ENTRY_AGES.items() if age.days < ENTRY_AGE_LIMIT_DAYS
)
SITEMAP_OLD_PATHS = tuple(p for p, age in SITEMAP_ENTRY_AGES.items() if age.days >= ENTRY_AGE_LIMIT_DAYS)
ENTRY_PATHS = (*FEED_ENTRY_AGES, FEED_NEW_ENTRY_PATH, *SITEMAP_ENTRY_AGES)
ENTRY_SENTENCES = {
    path: f"This is the story at {path}: the {name.replace('-', ' ')} report from the Millbrook "
    "newsroom, written for the fixture web and long enough to be kept as main text."
    for path in ENTRY_PATHS
    for name in [path.rsplit("/", 1)[1].removesuffix(".html")]
}


# --------------------------------------------------------------------------------------------
# Response specs
# --------------------------------------------------------------------------------------------


@dataclass
class Page:
    """What the server should send for one path. ``mode`` picks the wire behaviour."""

    status: int
    body: bytes
    content_type: str | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    mode: str = "plain"  # "plain" | "gzip" | "chunked" | "reset" | "close" (no length)


def _html(text: str, status: int = 200, **kw) -> Page:
    return Page(status, text.encode("utf-8"), "text/html; charset=utf-8", **kw)


# --------------------------------------------------------------------------------------------
# The article
# --------------------------------------------------------------------------------------------


def _article_body(base: str, variant: str) -> str:
    s = ARTICLE_SENTENCES
    edited = variant == "edited"
    correction = f"<p><em>{escape(EDITED_SENTENCE)}</em></p>" if edited else ""
    title = EDITED_TITLE if edited else ARTICLE_TITLE
    claim = SOFTENED_CLAIM if edited else CLAIM_SENTENCE
    if edited:
        abroad = (
            "has covered the story. The agency, for its part, has issued\n"
            f'    <a href="{base}{NEW_CITATION_PATH}">a statement on the sampling plan</a>.'
        )
    else:
        abroad = (
            "has covered the story, as has a\n"
            f'    <a href="{base}{JAPANESE_PATH}">Japanese engineering blog</a> that compared the '
            "council's\n    sampling plan with the one used in Osaka."
        )
    return f"""
<article class="story" id="story">
  <header class="story-header">
    <h1>{escape(title)}</h1>
    <p class="byline">By <a href="{base}/authors/jane-okafor" rel="author">{ARTICLE_AUTHOR}</a>,
      environment correspondent &middot;
      <time datetime="{ARTICLE_PUBLISHED}">2 March 2026</time></p>
  </header>
  <div class="story-body">
    {correction}
    <p>{escape(s[0])} The council published its annual water quality summary last week, declaring
    that every sample taken in 2025 met national standards. But the
    <a href="{base}{REPORT_PATH}">laboratory report behind that summary</a> shows that most
    samples were drawn at the Weir Street station, upstream of the older estates where the
    complaints are concentrated.</p>

    <p>{escape(s[1])} According to the
    <a href="{base}{CHUNKED_PATH}">maintenance log released under a freedom of information
    request</a>, the work was brought forward after pressure drops at the pumping station. A
    spokesperson for the utility said the timing was a coincidence and that the filters are changed
    on a fixed schedule.</p>

    <figure class="chart">
      <img src="/static/chart.png?w=640" alt="Chart of lead readings by sampling point" width="640">
      <figcaption>Lead readings by sampling point, 2025.</figcaption>
    </figure>

    <p>The regional health agency, which audits the council's figures, has also
    <a href="{base}{MOVED_PATH}">published its own bulletin</a> on the dispute. It says the
    sampling plan was approved in advance and met the regulations in force at the time, though it
    concedes that the regulations do not require samples from every district. An earlier agency
    page on the subject, <a href="{base}{MISSING_PATH}">the 2024 sampling notice</a>, has since
    been taken down.</p>

    <p>{escape(s[2])} Campaigners point to a
    <a href="{base}{RESET_PATH}">live dashboard of sensor readings</a> that the utility switched
    off in January, and to the <a href="{base}{PDF_PATH}">full technical annex (PDF)</a>, which
    lists the exact locations of every sampling tap. {escape(claim)}</p>

    <p>The dispute has drawn attention well beyond the town. A
    <a href="{base}{CYRILLIC_PATH}">Russian-language community newspaper</a> serving families
    who settled in Millbrook in the 1990s {abroad} Readers who shared the
    <a href="{base}{escape(TRACKED_JUNK_HREF)}">report on social media</a> often
    quoted the section on storage times, which the laboratory itself flags as a weakness.</p>

    <p>The campaign group Millbrook Water Watch has published its own results, gathered with
    kits bought through a crowdfunding appeal. Source: {base}{BARE_URL_PATH}</p>

    <p>Councillor Ruth Adeyemi, who chairs the environment committee, said the authority
    would not be drawn into "a battle of spreadsheets" but accepted that residents deserved
    clearer answers. {escape(s[3])} Results will be published within a fortnight of collection,
    she said, and the east-side estates will be included this time.</p>

    <p>Until then, the utility recommends running the cold tap for thirty seconds before drinking
    if the water has been standing overnight, advice that campaigners say should have been given
    months ago. Our earlier reporting on <a href="{base}{TAG_PATH}">water quality</a> in the
    valley covers the first complaints.</p>
  </div>
</article>
"""


def article(base: str, variant: str = "default") -> Page:
    title = EDITED_TITLE if variant == "edited" else ARTICLE_TITLE
    nav = "\n".join(
        f'<li><a href="{base}{p}">{label}</a></li>'
        for p, label in zip(
            NAV_PATHS,
            (
                "Home",
                "World",
                "Politics",
                "Business",
                "Sport",
                "Culture",
                "Opinion",
                "Log in",
                "Subscribe",
            ),
            strict=True,
        )
    )
    related_titles = (
        "Council approves new bus depot near the river",
        "School budget shortfall widens to 1.2 million",
        "Flood defence works delayed until summer",
        "Mayor: 'We will not raise council tax again'",
    )
    related = "\n".join(
        f'<li><a href="{base}{p}">{t}</a></li>' for p, t in zip(RELATED_PATHS, related_titles, strict=True)
    )
    footer = "\n".join(
        f'<li><a href="{base}{p}">{label}</a></li>'
        for p, label in zip(
            FOOTER_PATHS,
            (
                "About us",
                "Contact",
                "Privacy policy",
                "Terms of use",
                "Cookie policy",
                "Work with us",
                "Advertise",
                "Accessibility",
                "Corrections",
                "Archive",
                "Staff intranet",
            ),
            strict=True,
        )
    )
    story_url = f"{base}{ARTICLE_PATH}"
    share = (
        f'<a class="share-twitter" href="https://twitter.invalid/intent/tweet?url={story_url}'
        f'&amp;text=Residents+dispute+report">Post</a>\n'
        f'<a class="share-facebook" href="https://facebook.invalid/sharer/sharer.php?u='
        f'{story_url}">Share</a>\n'
        f'<a class="share-linkedin" href="https://linkedin.invalid/shareArticle?url={story_url}">'
        f"LinkedIn</a>\n"
        f'<a class="share-whatsapp" href="https://whatsapp.invalid/send?text={story_url}">'
        f"WhatsApp</a>\n"
        f'<a class="share-email" href="mailto:?subject=Residents%20dispute&amp;body={story_url}">'
        f"Email</a>"
    )
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} | {SITE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="author" content="{ARTICLE_AUTHOR}">
<meta name="description" content="Campaigners say samples were taken upstream of the estates.">
<meta property="og:site_name" content="{SITE_NAME}">
<meta property="og:title" content="{escape(title)}">
<meta property="og:type" content="article">
<meta property="og:url" content="{story_url}">
<meta property="article:published_time" content="{ARTICLE_PUBLISHED}">
<meta property="article:section" content="Environment">
<link rel="canonical" href="{story_url}">
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/favicon.ico">
<script src="/static/app.js" defer></script>
</head>
<body>
<div id="cookie-banner" class="cookie-banner" role="dialog">
  <p>We use cookies to give you the best possible experience on our website. Some are essential,
  others help us understand how you use the site.</p>
  <button class="accept">Accept all cookies</button>
  <a href="{base}/cookies">Manage cookie preferences</a>
</div>
<header class="site-header">
  <a href="{base}/" class="logo"><img src="/static/logo.png" srcset="/static/logo-2x.png 2x"
    alt="{SITE_NAME}" width="200" height="40"></a>
  <nav class="main-nav" aria-label="Sections"><ul>
{nav}
  </ul></nav>
  <div class="paywall-teaser">Subscribe for unlimited access to local journalism.</div>
</header>
<main id="main">
{_article_body(base, variant)}
<div class="share-bar"><span>Share this story</span>
{share}
</div>
<aside class="author-bio">
  <h3>About the author</h3>
  <p>{ARTICLE_AUTHOR} covers the environment and local government for the Courier.
  <a href="https://twitter.invalid/janeokafor">Follow us on Twitter</a>.</p>
</aside>
<aside class="related">
  <h2>Related stories</h2>
  <ul>
{related}
  </ul>
</aside>
<aside class="most-read"><h2>Most read this week</h2>
  <ol><li><a href="{base}{RELATED_PATHS[2]}">Flood defence works delayed until summer</a></li></ol>
</aside>
<section class="newsletter-signup">
  <h2>The Courier Daily</h2>
  <p>Get The Courier Daily in your inbox every morning.</p>
  <form action="{base}/newsletter/signup" method="post">
    <label>Enter your email address <input type="email" name="email"></label>
    <button>Sign up</button>
  </form>
</section>
<section id="comments" class="comments">
  <h2>Comments (3)</h2>
  <div class="comment"><p class="comment-author"><a href="{base}{COMMENTER_PATHS[0]}">
    river_watcher</a></p>
    <p>This is a disgrace, I have been saying so for years. Nobody listens.</p></div>
  <div class="comment"><p class="comment-author"><a href="{base}{COMMENTER_PATHS[1]}">
    millbrook_mum</a></p>
    <p>Has anyone tested the wells on the east side? Ours tastes of pennies.</p></div>
  <div class="comment"><p class="comment-author"><a href="{base}{COMMENTER_PATHS[2]}">
    Tom H</a></p>
    <p>I wrote about this on my blog last year, see the link in my profile.</p></div>
</section>
</main>
<footer class="site-footer">
  <ul>
{footer}
  </ul>
  <p class="social"><a href="https://twitter.invalid/riversidecourier">Follow us on Twitter</a>
    <a href="https://facebook.invalid/riversidecourier">Like us on Facebook</a></p>
  <p>&copy; 2026 Riverside Courier Media Ltd. All rights reserved.</p>
</footer>
</body>
</html>
"""
    return Page(
        200,
        html.encode("utf-8"),
        "text/html; charset=utf-8",
        headers=[
            ("Set-Cookie", "session=abc123; Path=/; HttpOnly"),
            ("Set-Cookie", "consent=pending; Path=/; Max-Age=3600"),
            ("Cache-Control", "max-age=60"),
        ],
    )


# --------------------------------------------------------------------------------------------
# Cited pages
# --------------------------------------------------------------------------------------------


def _source_page(title: str, paragraphs: list[str], extra_head: str = "", lang: str = "en") -> str:
    paras = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
{extra_head}
</head>
<body>
<nav><a href="/">Home</a></nav>
<main>
<article>
<h1>{escape(title)}</h1>
{paras}
</article>
</main>
</body>
</html>
"""


def report(base: str) -> Page:
    text = _source_page(
        "Millbrook water quality study 2025: laboratory report",
        [
            escape(PAGE_SENTENCES[REPORT_PATH])
            + " Samples were collected weekly from September to November by trained staff "
            "following the standard operating procedure for drinking water.",
            "Twelve sampling taps were used, all of them on public buildings west of the river. "
            "The choice of taps was made by the council's contractor and approved by the agency.",
            '<span id="section-2"></span>'
            + escape(PAGE_SECOND_SENTENCES[REPORT_PATH])
            + " Results for those samples should be treated with caution. Further detail on "
            f'sample handling is in <a href="{base}{DEEPER_PATH}">the handling protocol</a> '
            "published alongside this report.",
            f"The method follows the reference procedure (doi:{REPORT_DOI}). The council's own page, "
            f'since changed, is kept in <a href="{REPORT_WAYBACK}">an archived copy</a>; the '
            f"earlier version is at {REPORT_ARCHIVE_SHORT} for comparison.",
        ],
        extra_head='<link rel="stylesheet" href="/static/style.css">',
    )
    return Page(200, text.encode("utf-8"), "text/html; charset=utf-8", mode="gzip")


def chunked(base: str) -> Page:
    text = _source_page(
        "Pumping station maintenance log, September to December 2025",
        [
            escape(PAGE_SENTENCES[CHUNKED_PATH])
            + " Each event lasted under an hour and was logged by the duty engineer on site.",
            escape(PAGE_SECOND_SENTENCES[CHUNKED_PATH])
            + " The log shows that the affected mains were flushed on the following mornings, "
            "and that customer complaints were passed to the water quality team for follow-up.",
            "The carbon filter replacement was recorded on 14 November, with a note that the "
            "work had been brought forward by six weeks at the request of the operations manager.",
        ],
    )
    return Page(200, text.encode("utf-8"), "text/html; charset=utf-8", mode="chunked")


def redirect_target(base: str) -> Page:
    return _html(
        _source_page(
            "Regional health agency bulletin: Millbrook drinking water",
            [
                escape(PAGE_SENTENCES[REDIRECT_TARGET_PATH])
                + " The agency reviewed the council's sampling plan in March 2025 and found "
                "it compliant with the regulations then in force.",
                "The agency notes that the regulations set a minimum number of samples but do not "
                "require samples to be taken in every district of a supply zone. "
                + escape(PAGE_SECOND_SENTENCES[REDIRECT_TARGET_PATH]),
            ],
        )
    )


def bare(base: str) -> Page:
    return _html(
        _source_page(
            "Millbrook Water Watch: our results",
            [
                escape(PAGE_SENTENCES[BARE_URL_PATH])
                + " The kits were bought with money raised from more than three hundred donors "
                "across the town.",
                escape(PAGE_SECOND_SENTENCES[BARE_URL_PATH])
                + " Both laboratories found lead above the guideline value in nine homes east of "
                "the river and in none to the west.",
            ],
        )
    )


def deeper(base: str) -> Page:
    return _html(
        _source_page(
            "Sample handling protocol",
            [
                escape(PAGE_SENTENCES[DEEPER_PATH])
                + " Samples must be refrigerated and analysed within forty-eight hours.",
                "Bottles are pre-acidified and labelled at the laboratory before dispatch.",
            ],
        )
    )


def missing(base: str) -> Page:
    text = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>
<body><h1>Not found</h1><p>{escape(MISSING_BODY_SENTENCE)}</p></body></html>
"""
    return _html(text, status=404)


def cyrillic(base: str) -> Page:
    # Charset declared only in <meta>; the HTTP header says "text/html" with no charset.
    text = f"""<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="windows-1251">
<title>Вода в Миллбруке: жители не верят отчёту совета</title>
</head>
<body>
<main><article>
<h1>Вода в Миллбруке: жители не верят отчёту совета</h1>
<p>{PAGE_SENTENCES[CYRILLIC_PATH]} Они говорят, что в восточных кварталах до сих пор
остались старые свинцовые трубы, а пробы там не брали ни разу.</p>
<p>{PAGE_SECOND_SENTENCES[CYRILLIC_PATH]} Многие семьи уже полгода покупают бутилированную
воду и ждут ответа от коммунальной службы, которая пока отказывается от комментариев.</p>
<p>Редакция продолжит следить за развитием событий и сообщит о результатах новой проверки.</p>
</article></main>
</body>
</html>
"""
    return Page(200, text.encode("windows-1251"), "text/html")


def japanese(base: str) -> Page:
    # Charset declared only in the HTTP header; no <meta charset> in the document.
    text = f"""<!DOCTYPE html>
<html lang="ja">
<head>
<title>ミルブルックの水道水をめぐる論争</title>
</head>
<body>
<main><article>
<h1>ミルブルックの水道水をめぐる論争</h1>
<p>{PAGE_SENTENCES[JAPANESE_PATH]}東側の古い住宅地には今も鉛の給水管が残っており、
住民は検査のやり直しを求めている。</p>
<p>{PAGE_SECOND_SENTENCES[JAPANESE_PATH]}大阪で使われている採水計画と比べると、
ミルブルックの計画は採水地点の数が少なく、地域の偏りも大きい。</p>
<p>今後の検査結果については、続報で詳しく伝える予定である。</p>
</article></main>
</body>
</html>
"""
    return Page(200, text.encode("shift_jis"), "text/html; charset=Shift_JIS")


def reset_page(base: str) -> Page:
    body = (
        b"<!DOCTYPE html><html><head><title>Live sensor dashboard</title></head><body><p>"
        + b"x" * RESET_SENT_LENGTH
    )[:RESET_SENT_LENGTH]
    return Page(
        200,
        body,
        "text/html; charset=utf-8",
        headers=[("Content-Length", str(RESET_DECLARED_LENGTH))],
        mode="reset",
    )


def boilerplate_page(path: str) -> Page:
    title = path.strip("/").replace("/", " ").replace("-", " ").title() or "Home"
    return _html(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1><p>Boilerplate page {escape(path)}.</p>"
        "</body></html>\n"
    )


def gone() -> Page:
    return _html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Gone</title></head>'
        "<body><h1>Gone</h1><p>This story has been removed.</p></body></html>\n",
        status=404,
    )


def not_found(path: str) -> Page:
    return _html(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Not found</title>'
        f"</head><body><p>No page at {escape(path)}.</p></body></html>\n",
        status=404,
    )


# --------------------------------------------------------------------------------------------
# Scheduled crawls: new citation, churn page, feed and sitemap entries, the feed and the sitemap
# --------------------------------------------------------------------------------------------


def agency_statement(base: str) -> Page:
    return _html(
        _source_page(
            "Regional health agency: statement on the Millbrook sampling plan",
            [
                escape(NEW_CITATION_SENTENCE)
                + " It has asked the council to publish the coordinates of every sampling tap.",
                "The statement adds that residents who are worried about their supply can ask for "
                "a free test of their kitchen tap until the end of May.",
            ],
            extra_head='<link rel="stylesheet" href="/static/style.css">',
        )
    )


def churn_page(base: str, variant: str) -> Page:
    updated, views = CHURN_LINES[variant]
    text = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(CHURN_TITLE)} | {SITE_NAME}</title>
<meta property="og:title" content="{escape(CHURN_TITLE)}">
<meta property="og:site_name" content="{SITE_NAME}">
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<main>
<article>
<h1>{escape(CHURN_TITLE)}</h1>
<p class="updated">{updated}</p>
<p>{escape(CHURN_SENTENCE)} Officers will bring the results of the first round and maps of the
sampling taps, and will take questions for as long as residents want to ask them.</p>
<p>Bottled water remains available at the leisure centre for households with babies or anyone
who is pregnant, and the utility says deliveries can be arranged for residents who cannot travel.</p>
<p class="views">{views}</p>
</article>
</main>
</body>
</html>
"""
    return _html(text)


def entry_page(path: str) -> Page:
    """A short story listed in the feed or the sitemap (a seed when a job takes the entry)."""
    title = path.rsplit("/", 1)[1].removesuffix(".html").replace("-", " ").capitalize()
    return _html(
        _source_page(
            title,
            [
                escape(ENTRY_SENTENCES[path]),
                "Readers can send tips and corrections to the newsroom at any time of day; every "
                "message is read by an editor before the next edition goes to press.",
            ],
            extra_head='<link rel="stylesheet" href="/static/style.css">',
        )
    )


def rss_feed(base: str, variant: str, now: datetime) -> Page:
    ages = dict(FEED_ENTRY_AGES)
    if variant == "edited":
        ages = {FEED_NEW_ENTRY_PATH: FEED_NEW_ENTRY_AGE, **ages}
    items = "\n".join(
        f"""  <item>
    <title>{escape(path.rsplit("/", 1)[1].removesuffix(".html").replace("-", " ").capitalize())}</title>
    <link>{base}{path}</link>
    <guid isPermaLink="true">{base}{path}</guid>
    <pubDate>{email.utils.format_datetime(now - age, usegmt=True)}</pubDate>
  </item>"""
        for path, age in ages.items()
    )
    newest = email.utils.format_datetime(now - min(ages.values()), usegmt=True)
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>{SITE_NAME}: news</title>
  <link>{base}/</link>
  <description>The latest stories from {SITE_NAME}.</description>
  <lastBuildDate>{newest}</lastBuildDate>
{items}
</channel>
</rss>
"""
    return Page(200, text.encode("utf-8"), "application/rss+xml; charset=utf-8")


def news_sitemap(base: str, now: datetime) -> Page:
    urls = "\n".join(
        f"""  <url>
    <loc>{base}{path}</loc>
    <news:news>
      <news:publication>
        <news:name>{SITE_NAME}</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>{(now - age).strftime("%Y-%m-%dT%H:%M:%SZ")}</news:publication_date>
      <news:title>{escape(path.rsplit("/", 1)[1].removesuffix(".html").replace("-", " "))}</news:title>
    </news:news>
  </url>"""
        for path, age in SITEMAP_ENTRY_AGES.items()
    )
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""
    return Page(200, text.encode("utf-8"), "application/xml; charset=utf-8", mode="gzip")


# --------------------------------------------------------------------------------------------
# Binary requisites and the PDF
# --------------------------------------------------------------------------------------------


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid truecolour PNG of one flat colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def ico() -> bytes:
    """A Vista-style .ico holding one 16x16 PNG."""
    image = png(16, 16, (0, 82, 155))
    icondir = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(image), 6 + 16)
    return icondir + entry + image


def pdf() -> bytes:
    """A small, structurally valid one-page PDF (correct xref offsets), about 2 KB."""
    lines = [
        "Millbrook water quality study 2025 - technical annex",
        "Sampling taps: Weir Street station, library, town hall, leisure centre,",
        "fire station, two primary schools, health centre, depot, museum, market hall, pool.",
    ] + [
        f"Tap {i:02d}: west bank, public building, sampled weekly, analysed for lead, copper, "
        "nickel and iron."
        for i in range(1, 13)
    ]
    ops = ["BT", "/F1 10 Tf", "14 TL", "50 780 Td"]
    for line in lines:
        ops.append(f"({line}) Tj T*")
    ops.append("ET")
    stream = ("\n".join(ops) + "\n").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Millbrook technical annex) /Producer (citewarc fixture) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


STYLE_CSS = b"""@font-face {
  font-family: "Courier Serif";
  src: url("/static/font.woff2") format("woff2");
  font-display: swap;
}
body { background-image: url(bg.png); font-family: "Courier Serif", Georgia, serif; }
.cookie-banner { position: fixed; bottom: 0; }
"""

APP_JS = b"""(function () {
  var banner = document.getElementById("cookie-banner");
  if (banner) {
    banner.querySelector(".accept").addEventListener("click", function () {
      document.cookie = "consent=yes; path=/";
      banner.remove();
    });
  }
})();
"""

# --------------------------------------------------------------------------------------------
# A small story for resume tests: few pages, every kind of exchange a resume must replay exactly
# --------------------------------------------------------------------------------------------

RESUME_SEED_PATH = "/resume/start"  # 301 -> RESUME_STORY_PATH: the seed is a redirect
RESUME_STORY_PATH = "/resume/story.html"
RESUME_MISSING_PATH = "/resume/missing.html"  # 404
RESUME_CLOSE_PATH = "/resume/close.html"  # no Content-Length: the body ends when the server closes
RESUME_SPACE_PATH = "/resume/with%20space.html"  # cited as "with space.html"
RESUME_UNICODE_PATH = "/resume/caf%C3%A9.html"  # cited as "café.html"
RESUME_MOVED_PATH = "/resume/moved"  # 302 -> RESUME_MOVED_TARGET_PATH: a cited redirect
RESUME_MOVED_TARGET_PATH = "/resume/moved-target.html"
RESUME_CITED_PATHS = (RESUME_MISSING_PATH, RESUME_CLOSE_PATH, RESUME_SPACE_PATH, RESUME_UNICODE_PATH,
                      RESUME_MOVED_PATH, RESET_PATH)


def resume_story(base: str) -> Page:
    links = [
        (f"{base}{RESUME_MISSING_PATH}", "a report that has since been taken down"),
        (f"{base}{RESUME_CLOSE_PATH}", "the utility's own statement"),
        (f"{base}/resume/with space.html", "the residents' petition"),
        (f"{base}/resume/café.html", "the café owners' letter"),
        (f"{base}{RESUME_MOVED_PATH}", "the council minutes"),
        (f"{base}{RESET_PATH}", "the live sensor dashboard"),
    ]
    paragraphs = [
        f"Residents of the eastern estates say the water still tastes of metal, citing "
        f'<a href="{escape(href)}">{escape(text)}</a> as the clearest account of the problem so far.'
        for href, text in links
    ]
    text = _source_page("Millbrook residents keep complaining about the water", paragraphs)
    return _html(text)


def resume_source(title: str, mode: str = "plain") -> Page:
    text = _source_page(title, [
        f"{escape(title)}: the document describes the sampling plan, the taps used and the dates "
        "on which every sample was drawn, with the laboratory's comments on each result.",
    ])
    return Page(200, text.encode("utf-8"), "text/html; charset=utf-8", mode=mode)


def resume_pages(base: str) -> dict[str, Page]:
    return {
        RESUME_SEED_PATH: Page(301, b"", "text/html; charset=utf-8",
                               headers=[("Location", f"{base}{RESUME_STORY_PATH}")]),
        RESUME_STORY_PATH: resume_story(base),
        RESUME_MISSING_PATH: _html("<!DOCTYPE html><html><head><title>Not found</title></head>"
                                   "<body><p>This report is no longer here.</p></body></html>\n",
                                   status=404),
        RESUME_CLOSE_PATH: resume_source("Statement by the water utility", mode="close"),
        RESUME_SPACE_PATH: resume_source("Petition of the eastern estates"),
        RESUME_UNICODE_PATH: resume_source("Letter from the café owners"),
        RESUME_MOVED_PATH: Page(302, b"", "text/html; charset=utf-8",
                                headers=[("Location", RESUME_MOVED_TARGET_PATH)]),
        RESUME_MOVED_TARGET_PATH: resume_source("Minutes of the council meeting"),
    }


FAKE_WOFF2 = b"wOF2\x00\x01\x00\x00" + bytes(range(256)) * 2

ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\nAllow: /\n"


# --------------------------------------------------------------------------------------------
# The route table
# --------------------------------------------------------------------------------------------


VARIANTS = ("default", "edited")


def fixture_now() -> datetime:
    """The reference time of feed and sitemap dates: now, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def build_site(base: str, variant: str = "default", now: datetime | None = None) -> dict[str, Page]:
    """Every path the fixture web answers (other paths get a 404 page). Feed and sitemap dates are
    relative to ``now``: give the same ``now`` to both variants to keep the sitemap byte-identical."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown fixture web variant {variant!r}")
    now = now or fixture_now()
    site: dict[str, Page] = {
        "/robots.txt": Page(200, ROBOTS_TXT, "text/plain; charset=utf-8"),
        ARTICLE_PATH: article(base, variant),
        GONE_PATH: gone(),
        REPORT_PATH: report(base),
        CHUNKED_PATH: chunked(base),
        MOVED_PATH: _html(
            "<!DOCTYPE html><html><head><title>Moved</title></head><body><p>Moved to "
            f'<a href="{base}{REDIRECT_TARGET_PATH}">the new location</a>.</p></body></html>\n',
            status=301,
            headers=[("Location", f"{base}{REDIRECT_TARGET_PATH}")],
        ),
        REDIRECT_TARGET_PATH: redirect_target(base),
        MISSING_PATH: missing(base),
        RESET_PATH: reset_page(base),
        PDF_PATH: Page(200, pdf(), "application/pdf"),
        CYRILLIC_PATH: cyrillic(base),
        JAPANESE_PATH: japanese(base),
        BARE_URL_PATH: bare(base),
        DEEPER_PATH: deeper(base),
        "/static/style.css": Page(200, STYLE_CSS, "text/css; charset=utf-8"),
        "/static/font.woff2": Page(200, FAKE_WOFF2, "font/woff2"),
        "/static/bg.png": Page(200, png(8, 8, (240, 236, 228)), "image/png"),
        "/static/logo.png": Page(200, png(200, 40, (0, 82, 155)), "image/png"),
        "/static/logo-2x.png": Page(200, png(400, 80, (0, 82, 155)), "image/png"),
        "/static/chart.png": Page(200, png(64, 32, (200, 60, 40)), "image/png"),
        "/static/app.js": Page(200, APP_JS, "application/javascript; charset=utf-8"),
        "/favicon.ico": Page(200, ico(), "image/vnd.microsoft.icon"),
        NEW_CITATION_PATH: agency_statement(base),
        CHURN_PATH: churn_page(base, variant),
        FEED_PATH: rss_feed(base, variant, now),
        SITEMAP_PATH: news_sitemap(base, now),
    }
    site.update(resume_pages(base))
    from tests.servers.script_site import script_pages  # noqa: PLC0415 - it imports this module

    site.update(script_pages(base))
    for path in ENTRY_PATHS:
        site[path] = entry_page(path)
    for path in (*NOT_CITATIONS - {DEEPER_PATH}, *OTHER_BOILERPLATE_PATHS):
        site.setdefault(path, boilerplate_page(path))
    return site


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (mtime 0), so repeated sends are byte-identical."""
    return gzip.compress(data, compresslevel=6, mtime=0)
