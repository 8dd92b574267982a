"""A deterministic corpus of pages that behave like real news pages, for the benchmark.

Real news pages are mostly not article text: a median page of ~110 KB carries a 30-80 KB blob of
framework state (``__NEXT_DATA__``), minified analytics and ad scripts, inline CSS, a mega-menu,
ad slots, related-story grids, a comment thread and a footer of links, around an article of a few
thousand words with in-text citations. trafilatura's cost follows that shape (DOM size, text to
score), so the corpus reproduces it; sentences come from word lists and a seeded RNG, so every
page is different text and every run gives the same bytes.

Everything here is a pure function of (index, pages, seed). Page ``i`` has its own URL on one of
hundreds of host names; its body is that of variant ``i % DISTINCT_BODIES`` (a 10,000-URL run
serves 1,000 distinct bodies, like a real crawl's many pages that share templates).
"""

from __future__ import annotations

import gzip
import json
import math
import random
from dataclasses import dataclass

from bench import words

CORPUS_VERSION = 1
DEFAULT_SEED = 10
DISTINCT_BODIES = 1000
MEDIAN_BYTES = 110_000

# (language, charset, share of pages): utf-8 mostly, then the legacy charsets news sites still use.
CHARSET_MIX = (
    ("en", "utf-8", 0.72),
    ("ru", "utf-8", 0.04),
    ("ja", "utf-8", 0.03),
    ("ru", "windows-1251", 0.07),
    ("ja", "shift_jis", 0.06),
    ("fr", "iso-8859-1", 0.08),
)
# Where the charset is declared: both the header and <meta>, only <meta>, only Content-Type.
DECLARED_MIX = (("both", 0.5), ("meta", 0.25), ("header", 0.25))
GZIP_SHARE = 0.75
FRAMEWORK_STATE_SHARE = 0.6  # pages with a __NEXT_DATA__-style JSON blob

_META_NAMES = [
    "twitter:card",
    "twitter:site",
    "twitter:title",
    "twitter:description",
    "twitter:image",
    "article:section",
    "article:tag",
    "article:published_time",
    "article:modified_time",
    "robots",
    "theme-color",
    "keywords",
    "news_keywords",
    "parsely-title",
    "parsely-section",
    "sailthru.tags",
    "fb:app_id",
    "google-site-verification",
    "referrer",
    "format-detection",
]
_VOCABULARY = {"en": words.ENGLISH, "ru": words.RUSSIAN, "ja": words.JAPANESE, "fr": words.LATIN1}


@dataclass(frozen=True)
class PageSpec:
    """What a page is, before its bytes exist: where it lives and how it is served."""

    index: int
    variant: int
    host: str
    path: str
    language: str
    charset: str
    declared: str  # "both" | "meta" | "header"
    gzip: bool
    target_bytes: int
    framework_state: bool

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"

    @property
    def content_type(self) -> str:
        if self.declared == "meta":
            return "text/html"
        return f"text/html; charset={self.charset}"


@dataclass(frozen=True)
class Page:
    spec: PageSpec
    body: bytes  # as the server sends it before any Content-Encoding


def _rng(seed: int, *key: object) -> random.Random:
    return random.Random(":".join(map(str, (CORPUS_VERSION, seed, *key))))


def _pick(rng: random.Random, mix: tuple) -> tuple:
    roll, total = rng.random(), 0.0
    for entry in mix:
        total += entry[-1]
        if roll < total:
            return entry
    return mix[-1]


def host_count(pages: int) -> int:
    """Distinct host names for a run of ``pages`` URLs: about 0.7 a page (hundreds at N=1,000)."""
    return max(5, min(2000, round(pages * 0.7)))


def host_name(seed: int, number: int) -> str:
    """The ``number``-th host name: unique, news-like, under ``.test`` so nothing can leak out."""
    rng = _rng(seed, "host", number)
    first = rng.choice(
        [
            "daily",
            "the",
            "new",
            "city",
            "global",
            "evening",
            "morning",
            "free",
            "national",
            "local",
            "metro",
            "press",
            "post",
            "times",
            "herald",
        ]
    )
    second = rng.choice(
        words.SECTIONS
        + [
            "news",
            "tribune",
            "courier",
            "observer",
            "gazette",
            "chronicle",
            "journal",
            "mirror",
            "report",
            "review",
        ]
    )
    return f"{first}-{second}-{number}.{rng.choice(words.TLDS)}.test"


def page_spec(index: int, pages: int, seed: int = DEFAULT_SEED) -> PageSpec:
    """Where page ``index`` of a ``pages``-URL corpus lives and how its variant is served."""
    variant = index % DISTINCT_BODIES
    rng = _rng(seed, "page", variant)
    language, charset, _ = _pick(rng, CHARSET_MIX)
    declared = _pick(rng, DECLARED_MIX)[0]
    target = int(min(600_000, max(25_000, rng.lognormvariate(math.log(MEDIAN_BYTES), 0.5))))
    gzipped = rng.random() < GZIP_SHARE
    state = rng.random() < FRAMEWORK_STATE_SHARE
    where = _rng(seed, "url", index)
    host = host_name(seed, where.randrange(host_count(pages)))
    slug = "-".join(where.choice(words.ENGLISH) for _ in range(where.randint(3, 7)))
    path = (
        f"/{where.choice(words.SECTIONS)}/{where.randint(2019, 2025)}/"
        f"{where.randint(1, 12):02d}/{slug}-{index}.html"
    )
    return PageSpec(index, variant, host, path, language, charset, declared, gzipped, target, state)


def page_specs(pages: int, seed: int = DEFAULT_SEED) -> list[PageSpec]:
    return [page_spec(i, pages, seed) for i in range(pages)]


def wire_body(page: Page, accepts_gzip: bool = True) -> tuple[bytes, str | None]:
    """The bytes on the wire and their Content-Encoding (gzip when the page is served gzipped)."""
    if page.spec.gzip and accepts_gzip:
        return gzip.compress(page.body, compresslevel=6, mtime=0), "gzip"
    return page.body, None


# --- text --------------------------------------------------------------------------------------


def sentence(rng: random.Random, language: str) -> str:
    """One sentence of news-like prose in ``language``, never the same twice in practice."""
    vocab = _VOCABULARY[language]
    if language == "ja":
        tokens = [rng.choice(vocab) for _ in range(rng.randint(6, 16))]
        if rng.random() < 0.5:
            tokens.insert(rng.randrange(len(tokens)), "、")
        return "".join(tokens) + "。"
    tokens = [rng.choice(vocab) for _ in range(rng.randint(8, 28))]
    if rng.random() < 0.4:
        tokens.insert(rng.randrange(len(tokens)), f"{rng.choice(words.NAMES)} {rng.choice(words.NAMES)}")
    if rng.random() < 0.3:
        tokens.insert(
            rng.randrange(len(tokens)), str(rng.choice([rng.randint(2, 99), rng.randint(100, 99_999)]))
        )
    if len(tokens) > 12 and rng.random() < 0.5:
        tokens[rng.randrange(3, len(tokens) - 3)] += ","
    text = " ".join(tokens)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", "?", "!"]) if text else ""


def paragraph_text(rng: random.Random, language: str, low: int = 2, high: int = 6) -> str:
    return " ".join(sentence(rng, language) for _ in range(rng.randint(low, high)))


def _title(rng: random.Random, language: str) -> str:
    return sentence(rng, language).rstrip(".?!。")[:110]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# --- filler that real pages carry --------------------------------------------------------------

_JS_WORDS = (
    "function",
    "return",
    "var",
    "let",
    "const",
    "this",
    "window",
    "document",
    "push",
    "length",
    "prototype",
    "call",
    "apply",
    "Object",
    "Array",
    "Promise",
    "then",
    "null",
)


def minified_js(rng: random.Random, size: int) -> str:
    """Minified-looking JavaScript (analytics, ad tags): random identifiers, numbers, strings."""
    parts: list[str] = []
    total = 0
    while total < size:
        a, b, c = (
            "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_$") for _ in range(rng.randint(1, 3)))
            for _ in range(3)
        )
        kind = rng.randrange(5)
        if kind == 0:
            piece = f"function {a}({b},{c}){{return {b}.{rng.choice(_JS_WORDS)}({c},{rng.randint(0, 9999)})}}"
        elif kind == 1:
            piece = f'var {a}={b}["{rng.choice(_JS_WORDS)}{rng.randint(0, 999)}"]||{{}};'
        elif kind == 2:
            piece = f"{a}.prototype.{b}=function({c}){{this.{c}=!0;{a}.{rng.choice(_JS_WORDS)}({c})}};"
        elif kind == 3:
            limit = rng.randint(0, 255)
            numbers = ",".join(str(rng.randint(0, 9999)) for _ in range(6))
            piece = f"if({a}&&{b}!=={limit}){{{c}.push([{numbers}])}}"
        else:
            piece = f'{a}="{rng.getrandbits(96):024x}";'
        parts.append(piece)
        total += len(piece)
    return "".join(parts)


def framework_state(rng: random.Random, spec: PageSpec, paragraphs: list[str], size: int) -> str:
    """A ``__NEXT_DATA__``-style JSON blob: the article again as data, plus config and teasers."""
    teasers: list[dict] = []
    state = {
        "props": {
            "pageProps": {
                "article": {
                    "id": f"{rng.getrandbits(64):016x}",
                    "paragraphs": paragraphs,
                    "section": spec.path.split("/")[1],
                    "wordCount": sum(len(p.split()) for p in paragraphs),
                },
                "teasers": teasers,
            }
        },
        "page": "/[section]/[...slug]",
        "buildId": f"{rng.getrandbits(40):010x}",
        "runtimeConfig": {"adUnits": [f"/{rng.randint(1000, 9999)}/{w}" for w in words.SECTIONS[:8]]},
    }
    text = json.dumps(state, ensure_ascii=False)
    while len(text) < size:
        batch = [
            {
                "id": rng.getrandbits(48),
                "headline": _title(rng, spec.language),
                "url": f"/{rng.choice(words.SECTIONS)}/{rng.getrandbits(32):08x}",
                "image": {
                    "src": f"https://img.cdn.test/{rng.getrandbits(64):016x}.jpg",
                    "width": 1200,
                    "height": 675,
                },
                "tracking": {"pos": len(teasers), "token": f"{rng.getrandbits(128):032x}"},
            }
            for _ in range(20)
        ]
        teasers.extend(batch)
        text = json.dumps(state, ensure_ascii=False)
    return text


def inline_css(rng: random.Random, size: int) -> str:
    rules, total = [], 0
    while total < size:
        section = rng.choice(words.SECTIONS)
        name = f".{section}-{rng.choice(['card', 'nav', 'btn', 'hero', 'ad', 'grid'])}__{rng.randint(1, 99)}"
        rule = (
            f"{name}{{margin:{rng.randint(0, 24)}px {rng.randint(0, 24)}px;color:#{rng.getrandbits(24):06x};"
            f"font-size:{rng.randint(11, 32)}px;display:{rng.choice(['flex', 'block', 'grid', 'none'])}}}"
        )
        rules.append(rule)
        total += len(rule)
    return "".join(rules)


# --- the page ----------------------------------------------------------------------------------


def _icon(rng: random.Random) -> str:
    return (
        f'<svg class="icon" viewBox="0 0 24 24"><use href="#i-{rng.choice(words.SECTIONS)}"></use>'
        f'<path d="M{rng.randint(0, 24)} {rng.randint(0, 24)}l{rng.randint(1, 9)} {rng.randint(1, 9)}z"/>'
        '</svg>'
    )


def _wrap(rng: random.Random, html: str, klass: str) -> str:
    """Nest ``html`` in the 1-4 layout divs (container, row, column) real templates put around things."""
    for level in range(rng.randint(1, 4)):
        role = ("container", "row", "col", "inner")[level]
        html = f'<div class="{klass}-{role} l{rng.randint(1, 12)}">{html}</div>'
    return html


def _links(rng: random.Random, count: int, klass: str) -> str:
    return "".join(
        f'<li class="{klass}__item"><a href="/{rng.choice(words.SECTIONS)}/{rng.choice(words.ENGLISH)}" '
        f'class="{klass}__link">{_icon(rng) if rng.random() < 0.2 else ""}<span class="{klass}__label">'
        f"{_esc(rng.choice(words.SECTIONS).title())} {_esc(rng.choice(words.ENGLISH))}</span></a></li>"
        for _ in range(count)
    )


def _citation(rng: random.Random, spec: PageSpec, pages: int, seed: int) -> str:
    """A link inside the article: to another corpus page, or to a host outside the corpus."""
    if rng.random() < 0.6:
        other = page_spec(rng.randrange(max(1, min(pages, DISTINCT_BODIES))), pages, seed)
        url = other.url
    else:
        url = (
            f"http://www.{rng.choice(['gov', 'court', 'agency', 'stats', 'parliament', 'company'])}"
            f"-{rng.randint(1, 400)}.{rng.choice(words.TLDS)}.test/{rng.choice(words.ENGLISH)}/"
            f"{rng.getrandbits(24):06x}.pdf"
        )
    anchor = " ".join(rng.choice(_VOCABULARY[spec.language]) for _ in range(rng.randint(2, 5)))
    return f'<a href="{url}">{_esc(anchor)}</a>'


def _article(
    rng: random.Random, spec: PageSpec, pages: int, seed: int, title: str, scale: float
) -> tuple[str, list[str]]:
    lang = spec.language
    texts: list[str] = []
    out = [
        f'<nav class="breadcrumbs"><a href="/">Home</a> › <a href="/{spec.path.split("/")[1]}">'
        f"{spec.path.split('/')[1].title()}</a></nav>",
        f'<article class="article"><header><h1 class="headline">{_esc(title)}</h1>',
        f'<p class="standfirst">{_esc(paragraph_text(rng, lang, 1, 2))}</p>',
        f'<div class="byline">By <a rel="author" href="/authors/{rng.randint(1, 500)}">'
        f'{rng.choice(words.NAMES)} {rng.choice(words.NAMES)}</a> · <time datetime="'
        f'{spec.path.split("/")[2]}-{spec.path.split("/")[3]}-{rng.randint(10, 28)}'
        f'T{rng.randint(0, 23):02d}:00:00Z">'
        f"{rng.randint(1, 28)} {rng.choice(['March', 'April', 'May', 'June'])}</time></div>",
        '<ul class="share">' + _links(rng, rng.randint(4, 8), "share") + "</ul></header>",
        f'<figure><img src="https://img.cdn.test/{rng.getrandbits(64):016x}.jpg" alt="{_esc(title[:60])}" '
        f'width="1200" height="675"><figcaption>{_esc(sentence(rng, lang))}</figcaption></figure>',
        '<div class="article-body">',
    ]
    for n in range(round(rng.randint(10, 28) * scale)):
        if n and n % rng.randint(4, 7) == 0:
            out.append(f"<h2>{_esc(_title(rng, lang))}</h2>")
        sentences = [_esc(sentence(rng, lang)) for _ in range(rng.randint(2, 6))]
        texts.append(" ".join(sentences))
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            at = rng.randrange(len(sentences))
            sentences[at] = sentences[at] + " " + _citation(rng, spec, pages, seed)
        para = "<p>" + " ".join(sentences) + "</p>"
        out.append(
            f'<div class="text-block"><div class="text-block__inner">{para}</div></div>'
            if rng.random() < 0.4
            else para
        )
        if rng.random() < 0.12:
            out.append(f"<blockquote><p>{_esc(paragraph_text(rng, lang, 1, 2))}</p></blockquote>")
        if rng.random() < 0.15:
            out.append(
                f'<div class="ad-slot ad-inline" id="div-gpt-ad-{rng.getrandbits(40)}-{n}">'
                f'<ins class="adsbygoogle" data-ad-client="ca-pub-{rng.getrandbits(40)}" '
                f'data-ad-slot="{rng.randint(10**9, 10**10)}"></ins>'
                '<span class="ad-label">Advertisement</span></div>'
            )
        if rng.random() < 0.1:
            out.append(
                '<aside class="read-more"><h3>Read more</h3><ul>'
                + _links(rng, 3, "readmore")
                + "</ul></aside>"
            )
    if rng.random() < 0.1:
        rows = "".join(
            f"<tr><td>{_esc(rng.choice(words.ENGLISH))}</td><td>{rng.randint(1, 9999)}</td>"
            f"<td>{rng.random() * 100:.1f}%</td></tr>"
            for _ in range(rng.randint(4, 12))
        )
        out.append(
            "<table><thead><tr><th>Item</th><th>Count</th>"
            f"<th>Share</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    out.append(
        '</div><footer class="article-footer"><ul class="tags">'
        + _links(rng, rng.randint(3, 8), "tag")
        + "</ul>"
    )
    out.append(
        f'<div class="author-bio"><p>{_esc(paragraph_text(rng, lang, 1, 2))}</p></div></footer></article>'
    )
    return "".join(out), texts


def _comments(rng: random.Random, language: str, scale: float) -> str:
    count = round(rng.choice([0, 0, rng.randint(3, 15), rng.randint(10, 40), rng.randint(20, 60)]) * scale)
    out = [f'<section id="comments" class="comments"><h2>Comments ({count})</h2><ol class="comment-list">']
    for n in range(count):
        reply = ' class="comment comment--reply"' if n and rng.random() < 0.3 else ' class="comment"'
        out.append(
            f'<li{reply} id="c{rng.getrandbits(32)}"><div class="comment__meta"><img class="avatar" '
            f'src="/avatars/{rng.randint(1, 9999)}.png" alt=""><span class="comment__author">'
            f"{rng.choice(words.NAMES)}{rng.randint(1, 99)}</span>"
            f"<time>{rng.randint(1, 59)} minutes ago</time>"
            f'</div><div class="comment__body"><p>{_esc(paragraph_text(rng, language, 1, 3))}</p></div>'
            '<div class="comment__actions"><button>Reply</button>'
            f'<button>Like ({rng.randint(0, 300)})</button>'
            f'<a href="#report">Report</a></div></li>'
        )
    return "".join(out) + "</ol></section>"


def _teaser_grid(rng: random.Random, language: str, klass: str, count: int) -> str:
    cards = "".join(
        f'<div class="{klass}__card"><div class="card__media">'
        f'<a href="/{rng.choice(words.SECTIONS)}/{rng.getrandbits(32):08x}">'
        '<div class="ratio">'
        f'<img src="https://img.cdn.test/{rng.getrandbits(48):012x}.jpg" alt="" loading="lazy">'
        "</div></a></div>"
        f'<div class="card__body"><span class="card__kicker">{_esc(rng.choice(words.SECTIONS))}</span>'
        f'<h3><a href="/{rng.getrandbits(32):08x}"><span>{_esc(_title(rng, language))}</span></a></h3>'
        f'<div class="card__meta"><span>{rng.randint(1, 23)}h</span>{_icon(rng)}</div>'
        f"<p>{_esc(sentence(rng, language))}</p></div></div>"
        for _ in range(count)
    )
    heading = klass.replace("-", " ").title()
    return f'<section class="{klass}"><h2>{heading}</h2><div class="{klass}__grid">{cards}</div></section>'


def _header(rng: random.Random) -> str:
    menus = "".join(
        f'<li class="menu__group"><button>{_esc(section.title())}</button><ul class="menu__sub">'
        + _links(rng, rng.randint(4, 12), "menu")
        + "</ul></li>"
        for section in rng.sample(words.SECTIONS, rng.randint(6, 14))
    )
    return (
        f'<div id="cookie-consent" class="consent"><p>We use cookies and similar technologies.</p>'
        f"<button>Accept all</button><button>Manage</button></div>"
        '<header class="site-header"><a class="logo" href="/"><svg width="120" height="30">'
        f'<path d="M0 0h{rng.randint(10, 99)}v30H0z"/></svg></a>'
        f'<nav class="menu"><ul>{menus}</ul></nav><form class="search" action="/search"><input name="q" '
        'placeholder="Search"><button>Go</button></form>'
        '<a href="/subscribe" class="cta">Subscribe</a></header>'
        f'<div class="ad-slot ad-leaderboard" id="div-gpt-ad-top-{rng.getrandbits(32)}"></div>'
    )


def _footer(rng: random.Random) -> str:
    columns = "".join(
        f'<div class="footer__col"><h4>{_esc(s.title())}</h4>'
        f'<ul>{_links(rng, rng.randint(6, 15), "footer")}</ul></div>'
        for s in rng.sample(words.SECTIONS, rng.randint(4, 8))
    )
    return (
        f'<footer class="site-footer">{columns}<p class="copyright">© {rng.randint(1990, 2025)} '
        f"{_esc(rng.choice(words.NAMES))} Media Group. All rights reserved.</p></footer>"
    )


def render_page(spec: PageSpec, pages: int, seed: int = DEFAULT_SEED) -> Page:
    """The page's bytes, encoded in its charset; same spec, same bytes."""
    rng = _rng(seed, "body", spec.variant)
    lang = spec.language
    title = _title(rng, lang)
    site = f"{rng.choice(words.NAMES)} {rng.choice(['Times', 'Post', 'Herald', 'Daily', 'Courier'])}"
    meta = f'<meta charset="{spec.charset}">' if spec.declared in ("both", "meta") else ""
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": title,
            "author": {"@type": "Person", "name": f"{rng.choice(words.NAMES)} {rng.choice(words.NAMES)}"},
            "datePublished": f"{spec.path.split('/')[2]}-{spec.path.split('/')[3]}-15",
            "publisher": {"@type": "Organization", "name": site},
        },
        ensure_ascii=False,
    )
    scale = min(5.0, rng.lognormvariate(-0.25, 0.55))  # how busy the page is: the long tail of real pages
    article, texts = _article(rng, spec, pages, seed, title, scale)
    head = (
        f'<!DOCTYPE html><html lang="{lang}"><head>{meta}<title>{_esc(title)} | {_esc(site)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="description" content="{_esc(texts[0][:150])}">'
        f'<meta property="og:title" content="{_esc(title)}">'
        f'<meta property="og:site_name" content="{_esc(site)}">'
        f'<meta property="og:type" content="article">'
        + "".join(
            f'<meta name="{k}" content="{_esc(sentence(rng, "en")[: rng.randint(10, 80)])}">'
            for k in rng.sample(_META_NAMES, rng.randint(8, len(_META_NAMES)))
        )
        + "".join(
            f'<link rel="{rng.choice(["preload", "preconnect", "dns-prefetch", "icon", "alternate"])}" '
            f'href="https://{rng.choice(["static", "img", "fonts", "tags"])}.cdn.test/'
            f'{rng.getrandbits(32):08x}">'
            for _ in range(rng.randint(8, 25))
        )
        + f'<link rel="stylesheet" href="https://static.cdn.test/css/main.{rng.getrandbits(32):08x}.css">'
        f'<link rel="preload" as="font" href="https://static.cdn.test/fonts/sans.woff2">'
        f'<script type="application/ld+json">{ld}</script>'
        f"<style>{inline_css(rng, rng.randint(3_000, 12_000))}</style>"
        "<script>window.dataLayer=window.dataLayer||[];"
        f"{minified_js(rng, rng.randint(1_000, 4_000))}</script>"
        f'<script async src="https://analytics.cdn.test/gtag/js?id=G-{rng.getrandbits(32):08X}"></script>'
        "</head>"
    )
    # Parts in page order (each draws from the same RNG, so the order fixes the bytes).
    header = _wrap(rng, _header(rng), "header")
    content = _wrap(rng, article, "content")
    related = _teaser_grid(rng, lang, "related-stories", round(rng.randint(6, 12) * scale))
    related = _wrap(rng, related, "related")
    comments = _wrap(rng, _comments(rng, lang, scale), "comments")
    most_read = _links(rng, 10, "mostread")
    sponsored = _teaser_grid(rng, lang, "sponsored-content", round(rng.randint(4, 9) * scale))
    sponsored = _wrap(rng, sponsored, "sponsored")
    footer = _wrap(rng, _footer(rng), "footer")
    body = (
        f'<body class="article-page">{header}<main id="main">{content}{related}'
        '<div class="newsletter"><h3>Get the morning briefing</h3>'
        '<form action="/newsletter"><input type="email" name="email"><button>Sign up</button></form></div>'
        f'{comments}<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>'
        f"{sponsored}</main>{footer}"
    )
    remainder = spec.target_bytes - len(head) - len(body) - 200
    state_size = min(80_000, max(30_000, int(remainder * 0.7))) if spec.framework_state else 0
    scripts = ""
    if state_size:
        state = framework_state(rng, spec, texts, state_size).replace("</", "<\\/")
        scripts += f'<script id="__NEXT_DATA__" type="application/json">{state}</script>'
    filler = spec.target_bytes - len(head) - len(body) - len(scripts)
    while filler > 500:  # many small tags and a few big bundles, as ad and analytics stacks ship
        chunk = min(
            filler, rng.choice([rng.randint(200, 2_000), rng.randint(200, 2_000), rng.randint(5_000, 30_000)])
        )
        scripts += f"<script>{minified_js(rng, chunk)}</script>"
        if rng.random() < 0.5:
            scripts += f'<script async src="https://tags.cdn.test/{rng.getrandbits(32):08x}.js"></script>'
        filler -= chunk + 17
    html = head + body + scripts + "</body></html>"
    return Page(spec, html.encode(spec.charset, errors="xmlcharrefreplace"))
