"""Writes the news-page set: 48 pages in 24 CMS layouts, each with its expected text.

Run ``python tests/data/newspages/make_pages.py`` to regenerate ``page_NN.html`` and
``page_NN.json`` (title, date, body paragraphs: the text a reader sees as the article). The
pages and their text are our own (fictional news, see articles_a.py and articles_b.py);
the chrome around them imitates common news CMS layouts: WordPress, an ASP.NET ``<form>``
wrapper, ``<div>`` bodies, teaser walls, deals, newsletter boxes, a live blog, a paywall,
cookie banners and mega menus, ``<br>``-separated text, tables, lists, pages encoded in
windows-1252 and ISO-8859-1, subheadings with ad slots and an author bio, related
``<article>`` cards, inline "Read more" links and an embedded tweet, a comment section, a
React/Next.js ``<div><span>`` body, a support-us appeal and most-viewed list, a numeric
byline date, and a photo gallery with captions. Dates come from ``<time>``, JSON-LD,
``itemprop``, OpenGraph, meta names or only the visible byline.
"""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from articles_a import ARTICLES_A  # noqa: E402
from articles_b import ARTICLES_B  # noqa: E402

ARTICLES = ARTICLES_A + ARTICLES_B
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
ACCENTED = "Additional reporting by José Müller in Zürich and Françoise Lefèvre in Besançon."

NAV = ["Home", "News", "World", "Business", "Politics", "Sport", "Culture", "Science",
       "Health", "Opinion", "Travel", "Weather", "Podcasts", "Newsletters"]
TEASERS = [
    "Five things to watch in the markets this week",
    "How a small town became the capital of electric bikes",
    "Opinion: Our cities need more trees, not more car parks",
    "The best walking routes for autumn, chosen by readers",
    "Quiz: How well do you know this week's news?",
    "Watch: Drone footage shows flooding along the river",
    "Celebrity chef opens restaurant in former fire station",
    "Ten years on, what happened to the promised tram line?",
    "Pictures of the week: from snow storms to street parades",
    "Could a four-day week work for your employer?",
    "Analysis: What the latest polls really tell us",
    "The hidden cost of next-day delivery",
]


def e(text: str) -> str:
    return html.escape(text, quote=False)


def long_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{MONTHS[m - 1]} {d}, {y}"


def day_month(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{d} {MONTHS[m - 1]} {y}"


def nav() -> str:
    items = "".join(f'<li><a href="/{n.lower()}">{n}</a></li>' for n in NAV)
    return f'<nav class="main-nav"><ul>{items}</ul></nav>'


def teasers(n: int, start: int = 0, cls: str = "teaser") -> str:
    out = []
    for i in range(n):
        t = TEASERS[(start + i) % len(TEASERS)]
        out.append(f'<div class="{cls}"><a href="/story/{start + i}"><img src="/i/{i}.jpg" '
                   f'alt=""><h3>{e(t)}</h3></a><span class="teaser-meta">3 hours ago</span>'
                   f"</div>")
    return "".join(out)


def footer(site: str) -> str:
    return (f'<footer class="site-footer"><ul><li><a href="/about">About us</a></li>'
            f'<li><a href="/contact">Contact</a></li><li><a href="/privacy">Privacy policy'
            f'</a></li><li><a href="/terms">Terms of use</a></li></ul><p>&copy; 2024 {e(site)}'
            f". All rights reserved. No part of this site may be reproduced without "
            f"permission.</p></footer>")


def ps(body: list[str]) -> str:
    return "".join(f"<p>{e(p)}</p>" for p in body)


def head(a: dict, extra: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}">'
            f"<title>{e(a['title'])} | {e(a['site'])}</title>"
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{extra}'
            f"<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push("
            f"arguments)}}</script><style>body{{font-family:serif}}.ad{{height:250px}}</style>"
            f"</head>")


def jsonld(a: dict, kind: str = "NewsArticle") -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": a["title"],
            "datePublished": a["date"] + "T08:30:00+00:00",
            "dateModified": a["date"] + "T11:02:00+00:00",
            "author": {"@type": "Person", "name": a["author"]},
            "publisher": {"@type": "Organization", "name": a["site"]}}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def wordpress(a: dict, n: int) -> str:
    related = "".join(f'<li><a href="/r{i}">{e(t)}</a></li>' for i, t in enumerate(TEASERS[:6]))
    return (head(a) + f'<body class="single-post"><div id="page"><header id="masthead">'
            f'<div class="site-branding"><p class="site-title">{e(a["site"])}</p></div>{nav()}'
            f'</header><div id="content"><main id="main"><article class="post-{n} post">'
            f'<header class="entry-header"><h1 class="entry-title">{e(a["title"])}</h1>'
            f'<div class="entry-meta">Posted on <time class="entry-date published" datetime="'
            f'{a["date"]}T09:00:00+00:00">{long_date(a["date"])}</time> by <span class="author">'
            f'{e(a["author"])}</span></div></header><div class="entry-content">{ps(a["body"])}'
            f'</div><footer class="entry-footer">Categories: News, Local | Tags: council</footer>'
            f'</article><nav class="post-navigation"><a href="/prev">Previous post</a>'
            f'<a href="/next">Next post</a></nav><div class="jp-relatedposts"><h3>Related</h3>'
            f'<ul>{related}</ul></div><div id="comments"><h2>4 thoughts on this post</h2>'
            f'<ol class="comment-list"><li class="comment"><p>Great article, thanks for '
            f"sharing this with us all.</p></li><li class=\"comment\"><p>I disagree with the "
            f"council on this one, it will cost far too much.</p></li></ol><div id=\"respond\">"
            f'<h3>Leave a Reply</h3><form><textarea></textarea><input type="submit" value='
            f'"Post Comment"></form></div></div></main><aside id="secondary"><section class='
            f'"widget"><h2>Recent posts</h2><ul>{related}</ul></section></aside></div>'
            f"{footer(a['site'])}</div></body></html>")


def aspnet(a: dict, n: int) -> str:
    return (head(a) + f'<body><form method="post" action="./Article.aspx?id={n}" id="aspnetForm">'
            f'<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" value="/wEPDwUKMT'
            f'Y1NDU2MTA1MmRk"></div><div id="ctl00_header">{nav()}<div class="search"><input '
            f'type="text" name="q" placeholder="Search"><input type="submit" value="Go"></div>'
            f'</div><div id="ctl00_main" itemscope itemtype="https://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{e(a["title"])}</h1><meta itemprop="datePublished" '
            f'content="{a["date"]}T07:15:00"><div class="byline">By <span itemprop="author">'
            f'{e(a["author"])}</span></div><div id="ctl00_ContentPlaceHolder1_body" itemprop='
            f'"articleBody">{ps(a["body"])}</div><div class="share">Share on Facebook Share on '
            f'X Share by email</div></div><div id="ctl00_sidebar"><h3>Most read</h3>'
            f"{teasers(5, n)}</div>{footer(a['site'])}</form></body></html>")


def divbody(a: dict, n: int) -> str:
    body = "".join(f'<div class="article-paragraph">{e(p)}</div>' for p in a["body"])
    return (head(a, jsonld(a)) + f'<body><div class="page"><div class="top-bar">{nav()}</div>'
            f'<div class="article-container"><div class="article-title"><h1>{e(a["title"])}'
            f'</h1></div><div class="article-subline"><div class="writer">{e(a["author"])}'
            f'</div></div><div class="article-inner-content">{body}</div>'
            f'<div class="tags">Tags: news | region</div></div><div class="more-stories">'
            f"<div>More stories</div>{teasers(8, n)}</div>{footer(a['site'])}</div>"
            f"</body></html>")


def cnn(a: dict, n: int) -> str:
    paras = "".join(f'<div class="zn-body__paragraph">{e(p)}</div>' for p in a["body"][1:])
    cards = "".join(f'<article class="cd"><h3 class="cd__headline"><a href="/x{i}">{e(t)}</a>'
                    f"</h3></article>" for i, t in enumerate(TEASERS))
    return (head(a, jsonld(a)) + f'<body><div class="pg-wrapper">{nav()}<div class="pg-rail-tall">'
            f'<h1 class="pg-headline">{e(a["title"])}</h1><div class="metadata"><p class='
            f'"metadata__byline">By {e(a["author"])}</p><p class="update-time">Updated 0830 GMT '
            f'{long_date(a["date"])}</p></div><section id="body-text"><div class="l-container">'
            f'<p class="zn-body__paragraph speakable">{e(a["body"][0])}</p>{paras}'
            f'<div class="zn-body__read-all">Read all</div></div></section>'
            f'<section class="zn-has-46-containers"><h2>Paid content</h2>{cards}</section>'
            f"</div>{footer(a['site'])}</div></body></html>")


def cbs(a: dict, n: int) -> str:
    og = (f'<meta property="og:title" content="{e(a["title"])}"><meta property="og:site_name" '
          f'content="{e(a["site"])}"><meta property="article:published_time" content="'
          f'{a["date"]}T14:20:00Z">')
    walls = "".join(f'<section class="list-river"><h2>More from {e(a["site"])}</h2>'
                    f"{teasers(20, 20 * k + n, 'item')}</section>" for k in range(3))
    return (head(a, og) + f'<body><div class="site">{nav()}<article class="content-article">'
            f'<header class="content__header"><h1 class="content__title">{e(a["title"])}</h1>'
            f'<p class="content__meta">By {e(a["author"])}</p></header><section class='
            f'"content__body">{ps(a["body"])}</section></article>{walls}'
            f"{footer(a['site'])}</div></body></html>")


def deals(a: dict, n: int) -> str:
    body = a["body"]
    deal = ('<div class="deal-card"><p class="deal-title">SAVE $40: Noise-cancelling headphones'
            '</p><p class="deal-price">$159.99 (reg. $199.99)</p><a class="btn" href="/buy">'
            "$159.99 at Shop</a></div>")
    mid = len(body) // 2
    return (head(a) + f'<body>{nav()}<main><article><h1>{e(a["title"])}</h1><p class="byline">'
            f'By {e(a["author"])} | <time itemprop="datePublished" datetime="{a["date"]}">'
            f'{day_month(a["date"])}</time></p><div class="article-body">{ps(body[:mid])}{deal}'
            f'{ps(body[mid:])}<div class="deal-card"><p>SAVE $25 on a smart speaker this week '
            f'only</p><a href="/buy2">See deal</a></div></div><p class="disclosure">We may earn '
            f"a commission when you buy through links on our site.</p></article></main>"
            f"{footer(a['site'])}</body></html>")


def newsletter(a: dict, n: int) -> str:
    body = a["body"]
    box = ('<div class="newsletter-signup"><h3>Get our morning briefing</h3><p>Sign up for our '
           'newsletter and get the day\'s top stories in your inbox.</p><form><input type='
           '"email" placeholder="Your email"><button>Sign up</button></form><p class='
           '"thanks" style="display:none">Thanks for contacting us. We\'ve received your '
           "submission.</p></div>")
    return (head(a) + f'<body><header>{nav()}</header><div class="story"><h1>{e(a["title"])}'
            f'</h1><div class="story-meta"><span class="byline">By {e(a["author"])}</span> '
            f'<span class="date">Published {day_month(a["date"])}</span></div>'
            f'<div class="story-text">{ps(body[:2])}{box}{ps(body[2:])}</div></div>'
            f"{footer(a['site'])}</body></html>")


def liveblog(a: dict, n: int) -> str:
    posts = []
    for i, p in enumerate(a["body"]):
        hh = 9 + i
        posts.append(f'<div class="live-post" id="post-{i}"><div class="live-post__time">'
                     f'<time datetime="{a["date"]}T{hh:02d}:05:00Z">{hh:02d}:05</time></div>'
                     f'<div class="live-post__body"><p>{e(p)}</p></div><div class="live-post__'
                     f'share">Share this post</div></div>')
    return (head(a, jsonld(a, "LiveBlogPosting")) + f"<body>{nav()}<main><h1>{e(a['title'])}</h1>"
            f'<div class="live-badge">LIVE</div><p class="live-updated">Updated 15 minutes ago'
            f'</p><div class="key-events"><h2>Key events</h2><ul><li><a href="#post-3">Decision '
            f'announced</a></li><li><a href="#post-0">Summary</a></li></ul></div>'
            f'<div class="live-feed">{"".join(reversed(posts))}</div><button>Load more posts'
            f"</button></main>{footer(a['site'])}</body></html>")


def paywall(a: dict, n: int) -> str:
    body = a["body"]
    return (head(a, f'<meta name="date" content="{a["date"]}">') + f"<body>{nav()}<article>"
            f'<h1>{e(a["title"])}</h1><div class="byline">{e(a["author"])}</div><div class='
            f'"article__content">{ps(body[:3])}</div><div class="paywall"><h2>Subscribe to '
            f"continue reading</h2><p>You have reached your limit of free articles this month."
            f" Subscribe for unlimited access from just 1 a week. Cancel anytime.</p><a href="
            f'"/subscribe">Subscribe now</a><p>Already a subscriber? <a href="/login">Log in'
            f"</a></p></div></article>{footer(a['site'])}</body></html>")


def cookies(a: dict, n: int) -> str:
    mega = "".join(f'<div class="mega-col"><h4>{s}</h4><ul>' + "".join(
        f'<li><a href="/{s}/{t}">{s} {t}</a></li>' for t in ("latest", "analysis", "video",
                                                           "in pictures")) + "</ul></div>"
        for s in NAV[:8])
    return (head(a, f'<meta name="pubdate" content="{a["date"].replace("-", "")}">')
            + f'<body><div id="cookie-banner"><p>We use cookies to improve your experience and '
            f"to show you personalised advertising. By continuing you agree to our use of "
            f'cookies.</p><button>Accept all</button><button>Manage settings</button></div>'
            f'<div class="mega-menu">{mega}</div><main><div class="story-body"><h1>'
            f'{e(a["title"])}</h1><p class="story-body__byline">{e(a["author"])}, '
            f'{day_month(a["date"])}</p>{ps(a["body"])}</div></main>{footer(a["site"])}'
            f"</body></html>")


def brtext(a: dict, n: int) -> str:
    text = "<br><br>\n".join(e(p) for p in a["body"])
    return (head(a) + f'<body bgcolor="#ffffff"><table width="100%"><tr><td class="nav">'
            f'{" | ".join(NAV)}</td></tr><tr><td class="content"><font size="5"><b>'
            f'{e(a["title"])}</b></font><br><span class="date">{long_date(a["date"])}</span>'
            f'<br><br>\n{text}<br><br></td><td class="right" width="160">Advertise with us'
            f"<br>Classifieds<br>Jobs<br>Obituaries</td></tr></table>{footer(a['site'])}"
            f"</body></html>")


def captions(a: dict, n: int) -> str:
    body = a["body"]
    fig = ('<figure class="image"><img src="/photo.jpg" alt="Photo"><figcaption>The scene on '
           "Thursday morning. Photograph: Staff photographer/Agency</figcaption></figure>")
    return (head(a) + f'<body>{nav()}<div itemscope itemtype="http://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{e(a["title"])}</h1><span itemprop="datePublished" '
            f'content="{a["date"]}">{long_date(a["date"])}</span><div itemprop="articleBody">'
            f'{fig}{ps(body[:2])}<aside class="pullquote">{e(body[3][:60])}</aside>'
            f"{ps(body[2:])}</div></div>{teasers(6, n)}{footer(a['site'])}</body></html>")


def lists(a: dict, n: int) -> str:
    body = a["body"]
    items = "".join(f"<li>{e(p)}</li>" for p in body[1:-1])
    og = (f'<meta property="og:type" content="article"><meta property="article:published_time"'
          f' content="{a["date"]}T12:00:00+01:00"><meta property="og:site_name" '
          f'content="{e(a["site"])}">')
    return (head(a, og) + f'<body>{nav()}<main><article><h1>{e(a["title"])}</h1><p class="by">'
            f'{e(a["author"])}</p><div class="body"><p>{e(body[0])}</p><ul>{items}</ul><p>'
            f"{e(body[-1])}</p></div></article></main>{teasers(4, n)}{footer(a['site'])}"
            f"</body></html>")


def table(a: dict, n: int) -> str:
    body = a["body"]
    rows = [p for p in body if p.split()[0].isdigit() or p.startswith("Position")]
    text = [p for p in body if p not in rows]
    if rows:
        header = rows[0].split()
        trs = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in _cells(r)) + "</tr>"
                      for r in rows[1:])
        tbl = ("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in header)
               + f"</tr></thead><tbody>{trs}</tbody></table>")
    else:
        tbl = ""
    return (head(a, jsonld(a)) + f"<body>{nav()}<article><h1>{e(a['title'])}</h1><div "
            f'class="meta">{e(a["author"])}</div><div class="content">{ps(text[:2])}{tbl}'
            f"{ps(text[2:])}</div></article>{footer(a['site'])}</body></html>")


def _cells(row: str) -> list[str]:
    words = row.split()
    return [words[0], " ".join(words[1:3]), words[3], words[4]]


def cp1252(a: dict, n: int) -> str:
    extra = f'<meta property="article:published_time" content="{a["date"]}T06:00:00Z">'
    return (head(a, extra, charset="windows-1252") + f"<body>{nav()}<div id='article'><h1>"
            f"{e(a['title'])}</h1><p class='author'>{e(a['author'])}</p>{ps(a['body'])}</div>"
            f"{footer(a['site'])}</body></html>")


def latin1(a: dict, n: int) -> str:
    ctype = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    return (head(a, "", charset="ISO-8859-1").replace('<meta charset="ISO-8859-1">', ctype)
            + f'<body><div class="amp-header">{nav()}</div><article class="amp-article"><h1>'
            f'{e(a["title"])}</h1><time datetime="{a["date"]}">{day_month(a["date"])}</time>'
            f'<div class="amp-body">{ps(a["body"])}</div></article>{footer(a["site"])}'
            f"</body></html>")


SUBHEADS = ["What happens next", "The background", "Reaction"]
BIO = ("{author} is a reporter for {site}. She has covered local government and transport "
       "for the paper since 2015 and previously worked for regional radio.")
EPIC = ("Before you move on, we have a small favour to ask. Millions of readers turn to us "
        "every day for independent journalism, and we rely on their support to keep our "
        "reporting open to everyone. If you can, please support us today.")


def subheads(a: dict, n: int) -> str:
    body, parts = a["body"], []
    for i, p in enumerate(body):
        if i in (2, 4) and i < len(body):
            parts.append(f"<h2>{SUBHEADS[i // 2 - 1]}</h2>")
        parts.append(f"<p>{e(p)}</p>")
        if i == 1:
            parts.append('<div class="ad-slot"><span>Advertisement</span></div>')
    bio = BIO.format(author=a["author"], site=a["site"])
    return (head(a, jsonld(a)) + f"<body>{nav()}<main><article><h1>{e(a['title'])}</h1>"
            f'<div class="article-body">{"".join(parts)}</div><div class="author-bio">'
            f"<p>{e(bio)}</p></div></article></main>{footer(a['site'])}</body></html>")


def related_articles(a: dict, n: int) -> str:
    others = [ARTICLES[(n + k * 3) % len(ARTICLES)] for k in (1, 2, 3)]
    rel = "".join(f'<article class="card"><h3><a href="/s{k}">{e(o["title"])}</a></h3><p>'
                  f'{e(o["body"][0])}</p></article>' for k, o in enumerate(others))
    return (head(a, f'<meta property="article:published_time" content="{a["date"]}">')
            + f'<body>{nav()}<main><article class="story"><h1>{e(a["title"])}</h1><div '
            f'class="story-body">{ps(a["body"])}</div></article><section class="more-from">'
            f"<h2>More from {e(a['site'])}</h2>{rel}</section></main>{footer(a['site'])}"
            "</body></html>")


def inline_related(a: dict, n: int) -> str:
    body = a["body"]
    tweet = ('<blockquote class="twitter-tweet"><p>Huge news for the town today! Can\'t wait '
             'to see it.</p>&mdash; Local Resident (@resident) <a href="/t">March 2021</a>'
             "</blockquote>")
    link = (f'<p class="related-link"><strong>Read more:</strong> <a href="/r">'
            f"{e(TEASERS[n % len(TEASERS)])}</a></p>")
    return (head(a) + f'<body>{nav()}<div class="container"><h1>{e(a["title"])}</h1>'
            f'<div class="meta">By {e(a["author"])} &middot; <time datetime="{a["date"]}T10:00'
            f':00Z">{long_date(a["date"])}</time></div><div class="body">{ps(body[:2])}{link}'
            f"{tweet}{ps(body[2:])}<p class=\"related-link\">RELATED: <a href=\"/r2\">"
            f"{e(TEASERS[(n + 1) % len(TEASERS)])}</a></p></div></div>{footer(a['site'])}"
            "</body></html>")


def comments(a: dict, n: int) -> str:
    cs = "".join(f'<div class="comment"><div class="comment-author">reader{k}</div><div '
                 f'class="comment-body"><p>{e(t)}</p></div></div>' for k, t in enumerate([
                     "I have lived here for thirty years and this is the best news in ages.",
                     "The council always finds money for projects like this but never for "
                     "the schools.",
                     "Does anyone know whether the footpath will stay open during the works?"]))
    return (head(a, f'<meta itemprop="datePublished" content="{a["date"]}">') + f"<body>"
            f'{nav()}<article><h1>{e(a["title"])}</h1><div class="entry">{ps(a["body"])}</div>'
            f'</article><section id="comments" class="comments-area"><h2>3 comments</h2>{cs}'
            f"</section>{footer(a['site'])}</body></html>")


def nextjs(a: dict, n: int) -> str:
    paras = "".join(f'<div data-testid="paragraph" class="css-1x2y3z"><span>{e(p)}</span>'
                    "</div>" for p in a["body"])
    data = json.dumps({"props": {"pageProps": {"id": n, "slug": "story"}}})
    return (head(a, jsonld(a)) + f'<body><div id="__next"><div class="css-header">{nav()}'
            f'</div><div class="css-main"><h1 class="css-headline">{e(a["title"])}</h1>'
            f'<div class="css-byline">{e(a["author"])}</div><div class="css-body">{paras}</div>'
            f'</div></div><script id="__NEXT_DATA__" type="application/json">{data}</script>'
            f"{footer(a['site'])}</body></html>")


def guardian(a: dict, n: int) -> str:
    most = "".join(f"<li><a href='/m{k}'>{e(t)}</a></li>" for k, t in enumerate(TEASERS[:10]))
    return (head(a, f'<meta property="article:published_time" content="{a["date"]}T07:00:00Z">'
                 f'<meta property="og:site_name" content="{e(a["site"])}">')
            + f'<body>{nav()}<main id="maincontent"><h1>{e(a["title"])}</h1><div class="dcr-'
            f'byline">{e(a["author"])}</div><div class="article-body-commercial-selector">'
            f'{ps(a["body"])}</div><div class="contributions-epic"><p>{e(EPIC)}</p><a href='
            f'"/support">Support us</a></div><div class="submeta"><h2>Explore more on these '
            f'topics</h2><ul><li><a href="/t1">Local government</a></li><li><a href="/t2">'
            f'Transport</a></li></ul></div></main><aside class="most-viewed"><h2>Most viewed'
            f"</h2><ol>{most}</ol></aside>{footer(a['site'])}</body></html>")


def numeric_byline(a: dict, n: int) -> str:
    y, m, d = a["date"].split("-")
    text = "".join(f"<p>{e(p)}</p>" for p in a["body"])
    return (head(a) + f'<body><table class="layout"><tr><td class="left">{" | ".join(NAV)}'
            f'</td><td class="main"><h2 class="headline">{e(a["title"])}</h2><p class="by">'
            f"By {e(a['author'])} | {d}/{m}/{y}</p>{text}</td></tr></table>"
            f"{footer(a['site'])}</body></html>")


def gallery(a: dict, n: int) -> str:
    body = a["body"]
    figs = "".join(f'<div class="gallery-item"><img src="/g{k}.jpg"><p class="caption">'
                   f"Picture {k + 1} of 4: the scene this week. Photo: Agency</p></div>"
                   for k in range(4))
    return (head(a, f'<meta name="publish-date" content="{a["date"]}">') + f"<body>{nav()}"
            f'<article><h1>{e(a["title"])}</h1><div class="gallery">{figs}</div><div class='
            f'"text">{ps(body)}</div></article>{footer(a["site"])}</body></html>')


LAYOUTS: list[tuple[Callable[[dict, int], str], str]] = [
    (wordpress, "utf-8"), (aspnet, "utf-8"), (divbody, "utf-8"), (cnn, "utf-8"),
    (cbs, "utf-8"), (deals, "utf-8"), (newsletter, "utf-8"), (liveblog, "utf-8"),
    (paywall, "utf-8"), (cookies, "utf-8"), (brtext, "utf-8"), (captions, "utf-8"),
    (lists, "utf-8"), (table, "utf-8"), (cp1252, "windows-1252"), (latin1, "iso-8859-1"),
    (subheads, "utf-8"), (related_articles, "utf-8"), (inline_related, "utf-8"),
    (comments, "utf-8"), (nextjs, "utf-8"), (guardian, "utf-8"), (numeric_byline, "utf-8"),
    (gallery, "utf-8"),
]
# Which two articles each layout shows (the list, table and live-blog texts go where they fit).
PAIRS = [(0, 19), (1, 20), (2, 21), (3, 22), (4, 23), (5, 24), (6, 25), (18, 26),
         (7, 27), (8, 28), (9, 29), (10, 30), (16, 11), (17, 12), (13, 31), (14, 15),
         (2, 21), (5, 26), (0, 30), (6, 24), (9, 19), (12, 28), (3, 25), (10, 31)]


def main() -> None:
    number = 0
    for (layout, encoding), pair in zip(LAYOUTS, PAIRS, strict=True):
        for index in pair:
            a = dict(ARTICLES[index])
            body = list(a["body"])  # type: ignore[call-overload]
            if encoding != "utf-8":
                body.append(ACCENTED)
            if encoding == "iso-8859-1":
                body = [p.replace("\u201c", '"').replace("\u201d", '"') for p in body]
            a["body"] = body
            page = layout(a, number)
            expected = body[:3] if layout is paywall else body
            if layout is subheads:
                expected = [*body[:2], SUBHEADS[0], *body[2:4], SUBHEADS[1], *body[4:]]
            (HERE / f"page_{number:02d}.html").write_bytes(page.encode(encoding))
            record = {"layout": layout.__name__, "encoding": encoding, "title": a["title"],
                      "date": a["date"], "body": expected}
            (HERE / f"page_{number:02d}.json").write_text(
                json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            number += 1


if __name__ == "__main__":
    main()
