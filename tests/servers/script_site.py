"""A story built by scripts, for the browser tests: the HTML Scrapy downloads is a skeleton.

``/app/story.html`` holds an empty ``<div id="root">`` and one script. The script fetches
``/app/api/story.json`` (served gzip-encoded) and inserts the headline, the paragraphs, a photo and
three inline citations; far below the fold an image loads only once scrolled into view. A reader
(or a browser) sees a full article; Scrapy alone sees no text at all.
"""

from __future__ import annotations

import json

from tests.servers.site import Page, png

STORY_PATH = "/app/story.html"
SCRIPT_PATH = "/app/render.js"
JSON_PATH = "/app/api/story.json"
PHOTO_PATH = "/app/img/photo.png"
LAZY_PATH = "/app/img/below-the-fold.png"
SOURCE_PATHS = ("/app/sources/ministry.html", "/app/sources/court.html", "/app/sources/study.html")
SLOW_STORY_PATH = "/app/slow-story.html"  # its data never arrives in time (held by the test)
SLOW_JSON_PATH = "/app/api/slow.json"

HEADLINE = "Harbour contract went to a firm owned by the minister's brother"
PARAGRAPHS = (
    "Documents seen by this newspaper show that the harbour dredging contract was awarded without "
    "a public tender, in a procedure the ministry described as urgent.",
    "According to the ministry's own notice, the urgency was declared two days after the firm had "
    "already moved equipment into the harbour, a sequence the ministry has not explained.",
    "A ruling by the administrative court last year found that the same procedure could only be "
    "used in emergencies, which the court defined narrowly and with examples.",
    "An academic study of public procurement in the region found that urgent procedures were used "
    "three times as often in the year before an election as in other years.",
    "The firm did not answer questions sent by email; the minister said the award followed the law.",
)
ANCHORS = ("the ministry's own notice", "A ruling by the administrative court",
           "An academic study of public procurement")
SKELETON_TITLE = "Loading story"


def story_json(base: str) -> bytes:
    """The article as the site's API sends it: the script turns it into the page."""
    data = {
        "headline": HEADLINE,
        "paragraphs": list(PARAGRAPHS),
        "photo": PHOTO_PATH,
        "lazy_image": LAZY_PATH,
        "links": [{"paragraph": i + 1, "anchor": ANCHORS[i], "href": base + SOURCE_PATHS[i]}
                  for i in range(3)],
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


RENDER_JS = """
(function () {
  var root = document.getElementById('root');
  var api = root.getAttribute('data-api');
  fetch(api, {headers: {'Accept': 'application/json'}}).then(function (r) { return r.json(); })
    .then(function (story) {
      document.title = story.headline;
      var article = document.createElement('article');
      var h1 = document.createElement('h1');
      h1.textContent = story.headline;
      article.appendChild(h1);
      var photo = document.createElement('img');
      photo.src = story.photo; photo.alt = 'The harbour'; photo.width = 320; photo.height = 160;
      article.appendChild(photo);
      story.paragraphs.forEach(function (text, i) {
        var p = document.createElement('p');
        var link = story.links.filter(function (l) { return l.paragraph === i; })[0];
        if (link && text.indexOf(link.anchor) >= 0) {
          var at = text.indexOf(link.anchor);
          p.appendChild(document.createTextNode(text.slice(0, at)));
          var a = document.createElement('a');
          a.href = link.href; a.textContent = link.anchor;
          p.appendChild(a);
          p.appendChild(document.createTextNode(text.slice(at + link.anchor.length)));
        } else {
          p.textContent = text;
        }
        article.appendChild(p);
      });
      var spacer = document.createElement('div');
      spacer.style.height = '2600px';
      article.appendChild(spacer);
      var lazy = document.createElement('img');
      lazy.alt = 'Below the fold'; lazy.width = 200; lazy.height = 100;
      lazy.setAttribute('data-src', story.lazy_image);
      article.appendChild(lazy);
      root.appendChild(article);
      new IntersectionObserver(function (entries, observer) {
        entries.forEach(function (e) {
          if (e.isIntersecting) { e.target.src = e.target.getAttribute('data-src'); observer.disconnect(); }
        });
      }).observe(lazy);
    });
})();
"""


def skeleton(api_path: str) -> Page:
    html = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{SKELETON_TITLE}</title></head><body>"
            f"<div id=\"root\" data-api=\"{api_path}\"></div>"
            f"<script src=\"{SCRIPT_PATH}\"></script></body></html>\n")
    return Page(200, html.encode("utf-8"), "text/html; charset=utf-8")


def source_page(title: str) -> Page:
    paragraphs = "".join(
        f"<p>{title} is the primary document this story relies on; paragraph {i} of its text "
        "sets out the facts, the dates and the people involved in plain words.</p>"
        for i in range(1, 6))
    html = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"</head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>\n")
    return Page(200, html.encode("utf-8"), "text/html; charset=utf-8")


def script_pages(base: str) -> dict[str, Page]:
    titles = ("Ministry notice on the harbour award", "Administrative court ruling",
              "Study of urgent procurement")
    pages = {
        STORY_PATH: skeleton(JSON_PATH),
        SLOW_STORY_PATH: skeleton(SLOW_JSON_PATH),
        SCRIPT_PATH: Page(200, RENDER_JS.encode("utf-8"), "application/javascript; charset=utf-8"),
        JSON_PATH: Page(200, story_json(base), "application/json; charset=utf-8", mode="gzip"),
        SLOW_JSON_PATH: Page(200, story_json(base), "application/json; charset=utf-8"),
        PHOTO_PATH: Page(200, png(320, 160, (30, 110, 160)), "image/png"),
        LAZY_PATH: Page(200, png(200, 100, (160, 120, 30)), "image/png"),
    }
    for path, title in zip(SOURCE_PATHS, titles, strict=True):
        pages[path] = source_page(title)
    pages[NOSY_PATH] = nosy_page()
    # Not a real PNG (a PNG header, then filler): only its size matters.
    pages[POSTER_PATH] = Page(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * (POSTER_BYTES - 8), "image/png")
    return pages


# A page whose script reaches past what may be archived: a path robots.txt disallows (Scrapy's
# robots middleware must refuse it), an internal address (127.0.0.2: the private-address guard must
# refuse it), a WebSocket, a preconnect and a DNS prefetch to ``?trip=PORT`` (the browser must open
# none of them: its only way out is Scrapy), and a 300 KB poster (the size limit must cut it).
NOSY_PATH = "/app/nosy.html"
POSTER_PATH = "/app/img/poster.png"
POSTER_BYTES = 300_000
NOSY_JS = """
(function () {
  var trip = new URLSearchParams(location.search).get('trip');
  fetch('/private/staff.html').catch(function () {});
  fetch('http://127.0.0.2:' + trip + '/internal-admin').catch(function () {});
  ['preconnect', 'dns-prefetch'].forEach(function (rel) {
    var link = document.createElement('link');
    link.rel = rel; link.href = 'http://127.0.0.1:' + trip + '/';
    document.head.appendChild(link);
  });
  try { new WebSocket('ws://127.0.0.1:' + trip + '/live'); } catch (e) {}
  var poster = document.createElement('img');
  poster.src = '/app/img/poster.png';
  document.body.appendChild(poster);
  var p = document.createElement('p');
  p.textContent = 'This page was written by a script that also tried to reach what it should not.';
  document.body.appendChild(p);
})();
"""


def nosy_page() -> Page:
    html = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Nosy</title></head>"
            f"<body><script>{NOSY_JS}</script></body></html>\n")
    return Page(200, html.encode("utf-8"), "text/html; charset=utf-8")
