"""Whether a fetched page is the source itself or a wall in front of it (pure).

A 200 is not always the page a story cited: a paywall shows a teaser, a bot wall answers a
challenge, a login wall a sign-in form. The ledger's fate (``paywalled``, ``blocked``) needs to know,
and the archive should say so next to the capture. Each verdict carries a one-line reason naming the
marker that decided it, so a reader can check it against the WARC.

Conservative on purpose: a free article that merely mentions subscriptions, or has a login box in
its header, stays unclassified (None). Only markup that says so (schema.org's
``isAccessibleForFree``), a wall's own wording next to its block, or a challenge on an error status
count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PAYWALLED = "paywalled"
BOT_WALL = "bot-wall"
LOGIN = "login"
KINDS = (PAYWALLED, BOT_WALL, LOGIN)

# Bot walls answer with these statuses (Cloudflare, Akamai, DataDome, PerimeterX, Imperva).
WALL_STATUSES = frozenset({403, 429, 503})
SCAN_CHARS = 400_000  # markers sit in the head or near the wall; giant pages are not read to the end

# Tag scans stop at the next "<" ([^<>]) and texts are bounded: linear on hostile markup (a
# megabyte of unclosed tags), where "[^>]*" would rescan to the end from every "<".
_JSON_LD = re.compile(r"<script[^<>]+type\s*=\s*[\"']?application/ld\+json[^<>]*>", re.I)
_SCRIPT_END = re.compile(r"</script", re.I)
MAX_JSON_LD = 20  # blocks read per page
_MICRODATA_FREE = re.compile(
    r"<[^<>]*itemprop\s*=\s*[\"']?isAccessibleForFree[\"']?[^<>]*>", re.I)
_CONTENT_FALSE = re.compile(r"content\s*=\s*[\"']?\s*(false|no|0)\b", re.I)
_WALL_BLOCK = re.compile(
    r"\b(class|id)\s*=\s*[\"'][^\"'<>]{0,300}?\b(paywall|pay-wall|regwall|premium-wall|piano-offer|"
    r"tp-modal|meter-wall|subscriber-only|subscription-wall)\b(?!-teaser)", re.I)
_WALL_WORDS = re.compile(
    r"(subscribe|subscription|sign up|log in|sign in) (now )?to (continue|keep) reading|"
    r"to (read|continue reading|unlock) (the|this) (full |rest of the |whole )?(article|story|piece)|"
    r"this (article|story|content) is (only )?(available )?(exclusively )?(for|to) (paying )?"
    r"subscribers|already a subscriber\??|subscribers only|you have reached your (free )?"
    r"(article )?limit|you've read all your free articles", re.I)
_CHALLENGE = (
    (re.compile(r"cf[-_]chl|challenge-platform|cf-turnstile|__cf_chl", re.I), "a Cloudflare challenge"),
    (re.compile(r"checking (if the site connection is secure|your browser)", re.I),
     "'checking your browser'"),
    (re.compile(r"verify (that )?you are (a )?human|are you a robot|prove you('| a)re not a robot|"
                r"human verification", re.I), "'verify you are human'"),
    (re.compile(r"g-recaptcha|h-captcha|hcaptcha\.com|recaptcha/api|captcha-delivery|"
                r"<form[^<>]*captcha|name\s*=\s*[\"']?[\w-]*captcha", re.I), "a captcha form"),
    (re.compile(r"pardon our interruption|px-captcha|_pxCaptcha|datadome", re.I),
     "a bot-protection page (Imperva, PerimeterX, DataDome)"),
    (re.compile(r"access denied.{0,400}reference #|request unsuccessful\. incapsula", re.I | re.S),
     "an Akamai or Incapsula denial"),
)
_PASSWORD = re.compile(r"<input[^<>]+type\s*=\s*[\"']?password\b", re.I)
_TITLE = re.compile(r"<title[^<>]*>([^<]{0,500})</title>", re.I)
_H1 = re.compile(r"<h1[^<>]*>(.{0,500}?)</h1>", re.I | re.S)
_TAGS = re.compile(r"<[^<>]+>")
_SIGN_IN = re.compile(r"\b(sign[ -]?in|log[ -]?in|login|log on|sign on|authenticat\w+|"
                      r"member login|account login)\b", re.I)
_LOGIN_PATH = re.compile(r"/(login|log-in|signin|sign-in|sign_in|auth|account/login|users/sign_in|"
                         r"session/new|sso)\b", re.I)


@dataclass(frozen=True)
class Access:
    """What stands in front of the source: ``kind`` (one of ``KINDS``) and why we think so."""

    kind: str
    reason: str


def page_access(status: int | None, headers: Mapping[str, str] | None, html_text: str | None,
                url: str | None = None) -> Access | None:
    """The wall this response is, if any: a bot wall, a paywall, a login wall (None: the page)."""
    html = (html_text or "")[:SCAN_CHARS]
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    wall = bot_wall(status, lowered, html)
    if wall is not None:
        return wall
    if not html:
        return None
    return paywall(html) or login_wall(html, url)


def bot_wall(status: int | None, headers: Mapping[str, str], html: str) -> Access | None:
    if (headers.get("cf-mitigated") or "").strip().lower() == "challenge":
        return Access(BOT_WALL, f"HTTP {status}, header cf-mitigated: challenge")
    if status not in WALL_STATUSES:
        return None
    for pattern, what in _CHALLENGE:
        if pattern.search(html):
            return Access(BOT_WALL, f"HTTP {status} with {what}")
    return None


def paywall(html: str) -> Access | None:
    for block in json_ld_blocks(html):
        if _not_free(_json(block)):
            return Access(PAYWALLED, "JSON-LD isAccessibleForFree: false")
    for tag in _MICRODATA_FREE.findall(html):
        if _CONTENT_FALSE.search(tag):
            return Access(PAYWALLED, "microdata isAccessibleForFree: false")
    block = _WALL_BLOCK.search(html)
    words = _WALL_WORDS.search(_TAGS.sub(" ", html)) if block else None
    if block and words:
        return Access(PAYWALLED, f"a '{block.group(2)}' block saying '{' '.join(words.group(0).split())}'")
    return None


def login_wall(html: str, url: str | None) -> Access | None:
    """A page whose main form is a sign-in: a password field, and a title or heading (or the
    address) saying so. A login box in a news site's header has the field, not the title."""
    if not _PASSWORD.search(html):
        return None
    for name, pattern in (("title", _TITLE), ("heading", _H1)):
        found = pattern.search(html)
        text = " ".join(_TAGS.sub(" ", found.group(1)).split()) if found else ""
        if text and _SIGN_IN.search(text):
            return Access(LOGIN, f"a password form under the {name} '{text[:60]}'")
    path = urlsplit(url).path if url else ""
    if path and _LOGIN_PATH.search(path):
        return Access(LOGIN, f"a password form at {path[:60]}")
    return None


def json_ld_blocks(html: str) -> list[str]:
    """The JSON-LD scripts' texts, in one pass (an unclosed script ends the search: a hostile page
    of unclosed openers costs one scan, not one per opener)."""
    blocks: list[str] = []
    pos = 0
    while len(blocks) < MAX_JSON_LD:
        opener = _JSON_LD.search(html, pos)
        if opener is None:
            break
        end = _SCRIPT_END.search(html, opener.end())
        if end is None:
            break
        blocks.append(html[opener.end():end.start()])
        pos = end.end()
    return blocks


def _json(text: str) -> Any:
    try:
        return json.loads(text.strip())
    except ValueError:
        return None


def _not_free(data: Any) -> bool:
    """schema.org ``isAccessibleForFree`` false anywhere in a JSON-LD value (@graph, lists)."""
    if isinstance(data, list):
        return any(_not_free(x) for x in data)
    if not isinstance(data, dict):
        return False
    flag = data.get("isAccessibleForFree")
    if flag is False or (isinstance(flag, str) and flag.strip().lower() in {"false", "no", "0"}):
        return True
    return any(_not_free(v) for k, v in data.items() if k in {"@graph", "hasPart", "mainEntity"}
               or isinstance(v, (dict, list)) and k != "isAccessibleForFree")
