"""What a reader sees around a link (pure): its anchor text and the block it sits in.

The anchor says what the link offers ("Share", "Follow us", "Buy at ...", an author's name, or
a piece of a sentence); the block and the heading or line above it say where it is (a bio, a
"Related" list, a newsletter box, a byline, a photo credit, or a "Sources" list, which is the
article's own list of citations). Each function returns a (code, phrase) or None.
"""

from __future__ import annotations

import re

Finding = tuple[str, str] | None

_SHARE_ANCHOR = re.compile(
    r"^(share|tweet|retweet|pin( it)?|email|e-mail|print|copy( the)? link|save|send)"
    r"( (this|it|on|via|to|story|article|page|post)\b.*)?$", re.I,
)
# A network's name alone is a share button in a bar of them, and the network itself in a sentence.
_NETWORK_ANCHOR = re.compile(r"^(whatsapp|facebook|twitter|x|linkedin|reddit|pinterest|flipboard|"
                             r"telegram|messenger|threads|bluesky|mastodon|email|instagram|youtube|tiktok|"
                             r"snapchat|tumblr|vimeo|twitch|discord)$", re.I)
_FOLLOW_ANCHOR = re.compile(
    r"\b(follow (us|me|him|her|them|@|on|the)|like us|find us on|join us on|connect with (us|me)|"
    r"subscribe (to|on)|watch (us )?on|listen on|our (twitter|facebook|instagram|linkedin|youtube|"
    r"tiktok)( page| account| channel)?)\b", re.I,
)
_CTA_ANCHOR = re.compile(
    r"^(\W*)(subscribe( now| today)?|sign ?up( now| today| here| for free)?|join( now)?|register( now)?|"
    r"log ?in|sign ?in|download (the|our) app|get the app|buy( now| it| here| at .*| on .*| from .*)?|"
    r"shop( now| at .*| on .*)?|check (the )?(price|availability)( .*)?|see (price|deals?|it|at .*|on .*)|"
    r"view (deal|offer|price|at .*|on .*)|add to (cart|basket)|order now|book now|get (started|a demo|"
    r"it now|the deal|a quote|(a )?free quote|quote)|try (it )?(for )?free|start (your )?free trial|"
    r"request a demo|"
    r"read more|continue reading|keep reading|read next|see more|view more|more stories|"
    r"try( [\w&.'’-]+){1,3}|visit (the |our )?(website|site|store|shop)|claim (the |this )?(offer|deal)|"
    r"(\$|£|€)\s?\d[\d.,]* (at|on|from) .*|donate( now)?|support (us|our work))(\W*)$", re.I,
)
# An offer of something free to take ("Get my FREE course here!", "Book free lesson", "Download our
# free template"): the anchor asks the reader to act, whatever follows it.
_FREE_OFFER_ANCHOR = re.compile(r"^\W*((get|claim|grab|download|book|start|schedule|request|try)"
                                r"( (my|our|your|a|the|this))? free\b|"
                                # the offer alone ("free case evaluation"), a directory's button
                                r"((a|your) )?free (\w+ )?(consultation|evaluation|quote|estimate|trial|demo|"
                                r"assessment)s?\W*$|"
                                r"(find|search for) (a|an|your) \w+( \w+)? (here|near you)\W*$)", re.I)
_SOURCE_HEADING = re.compile(
    r"^\W*(sources?|references?|notes?|bibliography|citations?|footnotes?|endnotes?|works cited|"
    r"methodology|data( sources?)?|further reading|reading list|studies( cited)?|research|"
    r"resources|links|useful links)\b"
    # a heading, not a sentence or a title that starts with the word ("Data visualization",
    # "Research shows that ..."): the word ends the line or a colon, "and", "from" or "used" follows
    r"\s*(\W*$|[:(&–—-]|(and|&|from|used|cited|consulted)\b)", re.I,
)
_RELATED_HEADING = re.compile(
    r"\b(related|more (on|from|about|stories|news|articles|posts|reading|like this)|read (more|next|also)|"
    r"also read|see also|recommended|most (read|popular|viewed|shared)|you (may|might) (also )?(like|"
    r"enjoy|be interested)|trending|latest (news|stories|posts|articles)|popular (posts|stories)|"
    r"keep reading|up next|editor['’]?s picks|don['’]?t miss|what to read|similar (posts|articles)|"
    r"other (stories|articles|posts)|recent (posts|stories|articles))\b|^\W*learn more\W*$", re.I,
)
_RELATED_LEAD = re.compile(
    r"^\W*((read more|related|see also|also read|read also|read next|more|recommended( reading)?|"
    r"must read|don['’]?t miss|watch|listen|opinion|explainer|analysis|latest|up next|read|learn more|"
    r"(related|further|suggested) reading|(can |you can )?also read|icymi|"
    r"you (may|might) also (like|enjoy|be interested( in)?))\s*[:|»>-]|"
    r"related (posts|articles|stories|reports|reading|guides) (include|are)\b)", re.I,
)
_BIO = re.compile(
    r"\b(is an? (\w+[ -]){0,4}(reporter|correspondent|journalist|editor|writer|columnist|author|"
    r"contributor|blogger|freelancer|producer|marketer|strategist|consultant|founder|specialist|"
    r"expert|analyst|manager)|writes about|covers [\w ]{1,40} for|follow (her|him|them|me) on|"
    r"(her|his|their) (work|writing) has appeared|"
    # the author in the first person: "I write a weekly column about streaming for TechHive"
    r"I (write|have written) (a|an)( \w+){0,2} (column|newsletter|blog)|"
    r"about the author|holds an? (bachelor|master|degree|phd))\b", re.I,
)
# "Meet the experts: Jane Doe, R.D., is co-owner of Acme Nutrition; ...": who the quoted experts are.
_EXPERTS_LEAD = re.compile(r"^\W*meet (the|our) (experts?|panel)\b", re.I)
_BIO_HEADING = re.compile(r"\b(about the (author|writer|editor|contributors?)|author bio|"
                          r"meet the (author|team|expert)|contributors?|written by)\b", re.I)
_FOLLOW_HEADING = re.compile(r"\b(stay connected|follow us|connect with us|find us|join us|"
                             r"join (our|the) community)\b", re.I)
_BYLINE = re.compile(
    r"^\W*(by|written by|posted by|reviewed by|medically reviewed by|fact[- ]checked by|edited by|"
    r"reporting by|words by|author:|authors:|updated|published|last updated)\b", re.I,
)
_CREDIT = re.compile(
    r"(^\W*(photo|photograph|image|picture|illustration|video|graphic|credit|source image)s?"
    r"( by| credit)?\s*[:|/]|\((photo|image|credit)|\b(photo|photograph|image|picture|illustration|"
    r"cover art|artwork|photography)s?\s*(by|from|courtesy|credit)\b|\b(photo|image)s?:|"
    r"getty images|shutterstock|unsplash|pexels|"
    r"wikimedia commons|\bcc[- ]by\b|creative commons|licensed under|\bap photo\b|reuters/|©)", re.I,
)
_NEWSLETTER = re.compile(
    r"\b(newsletter|subscribe|sign ?up|inbox|mailing list|e-?mail updates|join \d[\d,]* "
    r"(readers|subscribers)|get (our|the) (daily|weekly|latest))\b", re.I,
)
_SPONSORED = re.compile(r"\b(sponsored|advertisement|advertorial|paid (post|partnership|content)|"
                        r"partner content|affiliate (links?|commission)|we may earn)\b", re.I)
_AFFILIATE_DISCLOSURE = re.compile(
    r"\b(affiliate (links?|commissions?|partners?|programs?)|(we|i) (may )?(earn|receive) (a )?(small )?"
    r"(commission|compensation)|as an amazon associate)\b", re.I,
)
_COMMENTS = re.compile(r"^\W*(\d+\s+)?(comments?|responses?|replies|leave a (reply|comment)|"
                       r"join the (discussion|conversation))\s*(\(\d+\))?\W*$", re.I)
_READ_MORE_SENTENCE = re.compile(
    r"\b((learn|read|find out|discover|see) more|check (out|our)|have a look|take a look|"
    r"for more (information|details|tips|ideas|on|about)|see (our|this|the) (full |complete )?"
    r"(guide|article|post|list|review)|(read|see) our|in (our|this) (guide|article|post)|"
    r"(read|see) the (full|complete|whole) (post|article|story|guide)|"
    r"here['’]?s (a|an|our|the) (full |complete |detailed )?(post|guide|article|overview)|"
    r"want to (go deeper|learn more|know more|try something)|(check out|try|explore|visit|see|view|"
    r"watch|browse) our\b|our [\w ]{0,40}\b(guide|resources?|section|page)\b|"
    r"read (about|here|this (article|post|guide))|explore these|see (the )?details|find out (what|how|why)|"
    r"see how to|here['’]?s how to|we have other|(find|get) (a|the) full list)", re.I,
)
_SENTENCE_WORDS = 8  # words around the anchor for the block to read as prose


def prose_around(context: str, anchor: str, link_chars: int) -> int:
    """Words of the block that are not link text: a sentence has some, a list of links has none."""
    rest_chars = max(0, len(context) - max(link_chars, len(anchor)))
    return round(rest_chars / 6)  # about six characters a word, with its space


_SIGN_UP_ANCHOR = re.compile(r"\b(newsletters?|subscribe|sign ?up)\b", re.I)
_HELP_ANCHOR = re.compile(r"^(what|who|how) (is|are|does|do|works?) [^?]{1,60}\?$", re.I)


def help_link(anchor: str, context: str) -> Finding:
    """A question in brackets after a name ("Litmaps (What is Litmaps?)"): a help link explaining
    a tool or widget of the page, not a source of the text."""
    text = " ".join(anchor.split())
    if _HELP_ANCHOR.match(text) and f"({text})" in " ".join(context.split()):
        return "help-link", f"anchor '({text[:60]})' explains a tool of the page"
    return None


def anchor_class(anchor: str, author: str | None, prose: int = 0) -> Finding:
    """What the anchor text offers, when it is not a piece of the article's argument (``prose``:
    words of the block around the link)."""
    text = " ".join(anchor.split())
    if not text:
        return None
    if _SHARE_ANCHOR.match(text) or (_NETWORK_ANCHOR.match(text) and prose < _SENTENCE_WORDS):
        return "share", f"anchor '{text[:60]}' is a share button"
    if _FOLLOW_ANCHOR.search(text):
        return "social-follow", f"anchor '{text[:60]}' asks to follow"
    if text.startswith("@") and " " not in text:
        return "social-follow", f"anchor '{text[:60]}' is an account handle"
    if _CTA_ANCHOR.match(text) or _FREE_OFFER_ANCHOR.match(text):
        return "call-to-action", f"anchor '{text[:60]}' is a call to action"
    if _SIGN_UP_ANCHOR.search(text):
        return "newsletter-account", f"anchor '{text[:60]}' offers a newsletter or a subscription"
    if author and _same_name(text, author):
        return "author", f"anchor '{text[:60]}' is the author's name"
    return None


def _same_name(anchor: str, author: str) -> bool:
    names = [n.strip().lower() for n in re.split(r";|,| and ", author) if n.strip()]
    lowered = anchor.lower().removeprefix("by ").strip()
    return any(lowered == name or (len(name) > 5 and lowered in name and " " in lowered) for name in names)


_OWN_CTA_ANCHOR = re.compile(r"^\W*((learn|find out|discover|read|see) more|click here|more info|"
                             r"details|full (story|post|article)|"
                             # a button's label: a verb, a determiner and a word or two ("Explore the trend")
                             r"(explore|read|see|view|watch|discover|browse) (the|this|these|our|all) "
                             r"\w+( \w+)?)\W*$", re.I)


def network_name(anchor: str) -> bool:
    """The anchor is a social network's name alone ("Instagram"), or the writer's own account on
    it ("my YouTube videos", "our Instagram"): a profile offered to follow, not one reported on."""
    text = " ".join(anchor.split())
    return bool(_NETWORK_ANCHOR.match(text) or _OWN_ACCOUNT_ANCHOR.search(text))


_OWN_ACCOUNT_ANCHOR = re.compile(r"\b(my|our)\b", re.I)


def own_anchor_class(anchor: str) -> Finding:
    """An anchor that only says "more" ("Learn more", "Click here") on a link to the site itself."""
    if _OWN_CTA_ANCHOR.match(anchor):
        return "call-to-action", f"anchor '{anchor[:60]}' sends to more of the site"
    return None


def read_more_sentence(context: str) -> Finding:
    """A sentence whose whole point is to send the reader to more of the site ("Learn more about
    X here", "check out this article"): a teaser in prose clothing (weighed for same-site links)."""
    if len(context) < 260 and _READ_MORE_SENTENCE.search(context):
        return "related-list", "a sentence inviting to read more of the site"
    return None


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_ONLY = re.compile(
    r"^\W*((posted|published|updated)\s+)?(on\s+)?(" + _MONTH + r"\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}(st|nd|rd|th)?\s+" + _MONTH + r",?\s+\d{4}|\d{4}-\d\d-\d\d|\d{1,2}[./]\d{1,2}[./]\d{2,4})\W*$",
    re.I,
)


def dated_title(context: str, anchor: str) -> Finding:
    """A block that is a title and a date, nothing more ("Just This Next Step - December 16, 2019"):
    an item of a list of recent posts (weighed for same-site links)."""
    rest = context.replace(anchor, "", 1) if anchor else ""
    if rest != context and len(rest) < 40 and _DATE_ONLY.match(rest):
        return "related-list", "a title and its date (a list of recent posts)"
    return None


_CTA_SENTENCE = re.compile(
    r"^\W*(download( (our|the|a|this|your))?|access (our|the)|dive deeper|grab (the|our|a|your)|request a|"
    r"schedule (a|your)|book (a|your)|get started|start (a|your) free|sign up|register (now|today|for)|"
    r"join us)\b", re.I,
)


_CTA_WORDS = ("download", "access", "dive", "grab", "request", "schedule", "book", "get started", "start",
              "sign up", "register", "join us")


_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "de", "for", "from", "in", "of", "on", "or",
                          "the", "to", "with", "&", "-", "–", "—"})


def names_something(anchor: str, context: str) -> bool:
    """The anchor is a name (``Bloomreach Discovery``, ``Job Costing``, ``SEO Checker tool``), not a
    generic phrase (``sofas``, ``a good menu``): every word but small ones and a last generic noun is
    capitalised, and a capital that only starts the sentence does not count.

    A sentence about a named product or programme of the publisher, linked to it, cites it (the
    labelling rule's clarification); a generic word linked to the publisher's offer is a sales link."""
    words = [w for w in anchor.split() if w.lower() not in _SMALL_WORDS]
    if not words or len(words) > 8 or (len(words) == 1 and words[0].isupper()):
        return False  # a lone code in capitals is a ticker or an abbreviation, not a product's name
    at = context.find(anchor)
    starts = at == 0 or (at > 0 and context[:at].rstrip()[-1:] in {".", "!", "?", ":", "•", "|"})
    if starts:
        words = words[1:]
    if not words:
        return False
    head = words[:-1] if len(words) > 1 else words
    if not all(w[:1].isupper() or w[:1].isdigit() or any(c.isupper() for c in w[1:]) for w in head):
        return False
    # An abbreviation before lowercase nouns names a trade or a field ("HR outsourcing", "UI/UX
    # designer", "MBA consultants"), not a product ("Otter POS", "Accruent EMS" are names).
    return words[-1][:1].isupper() or not all(_ABBREVIATION.match(w) for w in head)


_ABBREVIATION = re.compile(r"^[A-Z0-9&/.+-]+s?$")


_QUOTED = re.compile(r"[“”\"]")
_ATTRIBUTION = re.compile(r"\b(says|said|explains|explained|notes|noted|adds|added|according to|shares|"
                          r"shared|recommends|suggests|told)\b", re.I)


_ROLE = re.compile(r"\b(founder|co-?founder|ceo|owner|co-owner|director|president|professor|dean|chief|"
                   r"head of|partner|principal|chair(man|woman)?|executive)\b", re.I)


def attribution_link(context: str, anchor: str, home_page: bool) -> Finding:
    """A quoted speaker's organisation, linked to its home page in the line that attributes the
    quote ("..." says Jane Doe, founder of Acme Events), or a paraphrase of the speaker in the same
    shape (Acme Events founder Jane Doe says ...): it names who spoke, not a source of the
    statement (the labelling rule: an expert's employer in the attribution line is not cited)."""
    if not home_page or not anchor:
        return None
    sentence = sentence_around(context, anchor)
    if not (_QUOTED.search(context) or _ROLE.search(sentence)):
        return None
    if _ATTRIBUTION.search(context):
        return "attribution", f"a quoted speaker's organisation '{anchor[:40]}' (home page)"
    return None


def call_to_action_sentence(context: str, anchor: str) -> Finding:
    """A sentence that asks the reader to act ("Download our free template", "Schedule a demo",
    "Access our guide to ..."): the site's call to action (weighed for same-site links)."""
    lowered = context.lower()
    if not any(word in lowered for word in _CTA_WORDS):
        return None  # most blocks: no sentence to cut out
    sentence = sentence_around(context, anchor)
    if _CTA_SENTENCE.match(sentence):
        return "call-to-action", f"a sentence asking the reader to act: '{sentence[:40]}'"
    return None


def affiliate_disclosure(text: str) -> bool:
    """The page says its links earn it money ("affiliate links", "we may earn a commission"): its
    links to a shop's product pages are then affiliate links, whatever their anchor."""
    lowered = text.lower()  # the regex only around its key words: 0.36 ms a page over the whole text
    for word in ("affiliate", "commission", "compensation", "amazon associate"):
        at = lowered.find(word)
        while at >= 0:
            if _AFFILIATE_DISCLOSURE.search(lowered, max(0, at - 40), at + 60):
                return True
            at = lowered.find(word, at + 1)
    return False


def source_list(heading: str, previous: str) -> Finding:
    """The block sits in a list the article presents as its sources or references."""
    for where, line in (("heading", heading), ("line", previous)):
        if line and len(line) < 80 and _SOURCE_HEADING.match(line) and not _RELATED_HEADING.search(line):
            return "source-list", f"under {where} '{line[:60]}'"
    return None


def block_class(context: str, anchor: str, heading: str, previous: str, block: str,
                link_chars: int) -> Finding:
    """The kind of block the link sits in, when it is not the article's argument."""
    prose = prose_around(context, anchor, link_chars)
    short = len(context) < 160
    if heading and heading != context and _RELATED_HEADING.search(heading) and (
        block in {"item", "head"} or prose < _SENTENCE_WORDS
    ):
        return "related-list", f"under heading '{heading[:60]}'"
    if _RELATED_LEAD.match(context) and prose < 2 * _SENTENCE_WORDS:
        return "related-list", f"teaser line '{context[:40]}'"
    if previous and len(previous) < 60 and _RELATED_HEADING.search(previous) and prose < _SENTENCE_WORDS:
        return "related-list", f"under line '{previous[:60]}'"
    if heading != context and _FOLLOW_HEADING.search(heading):
        return "social-follow", f"under heading '{heading[:60]}'"
    if _BIO_HEADING.search(heading) and heading != context:
        return "author-bio", f"under heading '{heading[:60]}'"
    if len(context) < 600 and _BIO.search(context):
        return "author-bio", "in an author bio"
    if _EXPERTS_LEAD.match(context):
        return "attribution", "in the line introducing the experts the article quotes"
    if len(context) < 120 and _BYLINE.match(context):
        return "byline", f"in the byline '{context[:40]}'"
    if len(context) < 240 and _CREDIT.search(context):
        return "credit", "in an image or licence credit"
    if _COMMENTS.match(heading or ""):
        return "comment", f"under heading '{heading[:60]}'"
    if short and _NEWSLETTER.search(context):
        return "newsletter-account", "in a newsletter or sign-up box"
    if short and _SPONSORED.search(context):
        return "ad", "in a sponsored or advertising block"
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-Þ])|(?<=[。！？])")
CONTEXT_CHARS = 300  # the sentence around a citation, as the ledger shows it


def sentence_around(block: str, needle: str, limit: int = CONTEXT_CHARS) -> str:
    """The sentence of ``block`` that holds ``needle`` (a link's anchor, or a URL written out), at
    most ``limit`` characters, cut around the needle with an ellipsis on a cut side.

    This is what a fact-checker reads next to a citation: the claim the story makes with it. The
    block is the paragraph or list item (``LinkCandidate.context``); sentences end at . ! ? (and
    their CJK forms) before a capital or digit. A needle not found in the block (an empty anchor)
    gives the block's first sentence."""
    text = " ".join(block.split())
    if not text:
        return ""
    needle = " ".join(needle.split())
    at = text.find(needle) if needle else -1
    if at < 0:
        at, needle = 0, ""
    start = 0
    end = len(text)
    for match in _SENTENCE_END.finditer(text):
        if match.end() <= at:
            start = match.end()
        elif match.start() >= at + len(needle):
            end = match.start()
            break
    sentence = text[start:end].strip()
    if len(sentence) <= limit:
        return sentence
    at -= start
    centre = at + len(needle) // 2
    lo = max(0, min(centre - limit // 2, len(sentence) - limit))
    hi = lo + limit
    cut = sentence[lo:hi].strip()
    return ("…" if lo > 0 else "") + cut + ("…" if hi < len(sentence) else "")
