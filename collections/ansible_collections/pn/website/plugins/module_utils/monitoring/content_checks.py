# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Content checks for court web pages: online-gambling spam, defacement, hidden links,
feeds, sitemaps and robots.txt.

Pure functions over text; no network, no Ansible. Every finding is a dict::

    {"rule": "gambling-spam", "severity": "critical", "message": "<Bahasa Indonesia>",
     "message_en": "<English>", "evidence": {...}}

Evidence holds raw page excerpts: whoever renders them into HTML must escape them.
"""

from __future__ import annotations

import bisect
import email.utils
import functools
import hashlib
import html as html_lib
import re
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

EXCERPT_WIDTH = 160

# --------------------------------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------------------------------

#: One match is enough: these phrases do not occur on a court website for any honest reason.
GAMBLING_STRONG = (
    "slot gacor",
    "judi online",
    "judi slot",
    "judi bola",
    "situs slot",
    "situs judi",
    "slot online",
    "slot88",
    "slot 88",
    "slot deposit",
    "deposit pulsa",
    "slot pulsa",
    "slot dana",
    "slot demo",
    "slot thailand",
    "slot server",
    "slot maxwin",
    "daftar slot",
    "agen slot",
    "bandar slot",
    "link slot",
    "bocoran slot",
    "pola slot",
    "rtp live",
    "rtp slot",
    "maxwin",
    "max win",
    "gacor",
    "togel",
    "toto togel",
    "bandar togel",
    "sbobet",
    "pragmatic play",
    "mahjong ways",
    "gates of olympus",
    "starlight princess",
    "sweet bonanza",
    "scatter hitam",
    "zeus slot",
    "casino online",
    "kasino online",
    "poker online",
    "domino qq",
    "dominoqq",
    "bandarq",
    "sabung ayam",
    "taruhan bola",
    "bonus new member",
    "akun pro",
    "anti rungkad",
    "jp paus",
    "wd lancar",
)

#: Words that are only suspicious together (three distinct ones make a finding).
GAMBLING_WEAK = (
    "scatter",
    "zeus",
    "jackpot",
    "rtp",
    "hoki",
    "cuan",
    "toto",
    "depo",
    "spin",
    "freebet",
    "free spin",
    "link alternatif",
    "olympus",
    "mahjong",
    "pragmatic",
    "pg soft",
    "habanero",
    "joker123",
    "petir merah",
    "bet",
)
GAMBLING_WEAK_THRESHOLD = 3

DEFACEMENT_STRONG = (
    "hacked by",
    "hacked bye",
    "defaced by",
    "deface by",
    "h4ck3d",
    "h4cked",
    "hack3d",
    "h4ck3r",
    "dihack oleh",
    "di hack oleh",
    "diretas oleh",
)
DEFACEMENT_WEAK = (
    "owned by",
    "pwned",
    "greetz",
    "greets to",
    "was here",
    "security is an illusion",
    "your security is",
    "just for fun",
)

#: Suffixes under which a registrable domain has three labels (pn-bangil.go.id, example.co.uk).
SECOND_LEVEL_SUFFIXES = frozenset(
    [
        "go.id",
        "co.id",
        "ac.id",
        "or.id",
        "web.id",
        "sch.id",
        "my.id",
        "biz.id",
        "net.id",
        "mil.id",
        "desa.id",
        "ponpes.id",
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "com.au",
        "net.au",
        "org.au",
        "gov.au",
        "co.jp",
        "com.sg",
        "gov.sg",
        "com.my",
        "gov.my",
        "com.br",
        "com.cn",
        "com.tw",
        "com.hk",
        "co.in",
        "gov.in",
        "co.za",
    ]
)

#: Outbound links to these suffixes are not suspicious as hidden links (menus of government sites).
TRUSTED_SUFFIXES = ("go.id", "mil.id", "ac.id", "sch.id", "desa.id")


def _phrase_pattern(phrase: str, sep: str) -> str:
    return sep.join(re.escape(word) for word in phrase.split())


def _trie_pattern(phrases, sep):
    """One regular expression for many phrases, factored as a trie (fast to search)."""
    trie = {}
    for phrase in phrases:
        node = trie
        for i, word in enumerate(phrase.split()):
            if i:
                node = node.setdefault(None, {})
            for char in word:
                node = node.setdefault(char, {})
        node[""] = {}

    def emit(node):
        alts = [
            (sep if key is None else re.escape(key)) + emit(child)
            for key, child in sorted(node.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
            if key != ""
        ]
        if not alts:
            return ""
        body = "(?:%s)" % "|".join(alts) if len(alts) > 1 or "" in node else alts[0]
        return body + "?" if "" in node else body

    return emit(trie)


def _compile_lexicon(phrases, sep, bounded=True):
    body = _trie_pattern(set(phrases), sep)
    if bounded:
        return re.compile(r"(?<![a-z0-9])(?:%s)(?![a-z0-9])" % body)
    return re.compile(r"(?:%s)" % body)


_TEXT_SEP = r"[\W_]+"
_URL_SEP = r"[\W_]*"
_GAMBLING_URL_STRONG_RE = _compile_lexicon(GAMBLING_STRONG, _URL_SEP, bounded=False)
_GAMBLING_URL_WEAK_RE = _compile_lexicon(GAMBLING_WEAK, _URL_SEP)
_WORD_RE = re.compile(r"[a-z0-9]+")


class _Lexicon:
    """Phrase lookup over the words of a text (no per-phrase regular expression)."""

    def __init__(self, strong, weak):
        self.entries = []
        for phrases, is_strong in ((strong, True), (weak, False)):
            for phrase in phrases:
                words = _WORD_RE.findall(phrase)
                self.entries.append((words[0], " %s " % " ".join(words), " ".join(words), is_strong))
        self.first_words = frozenset(entry[0] for entry in self.entries)

    def scan(self, low, words=None):
        """[(phrase, strong)] in order of first appearance in the lower-cased text ``low``."""
        if words is None:
            words = _WORD_RE.findall(low)
        wordset = set(words)
        if self.first_words.isdisjoint(wordset):
            return []
        joined = " %s " % " ".join(words)
        hits = []
        for first, key, phrase, is_strong in self.entries:
            if first in wordset:
                pos = joined.find(key)
                if pos >= 0:
                    hits.append((pos, phrase, is_strong))
        hits.sort(key=lambda hit: hit[0])
        return [(phrase, is_strong) for _pos, phrase, is_strong in hits]


_GAMBLING_LEXICON = _Lexicon(GAMBLING_STRONG, GAMBLING_WEAK)
_DEFACE_LEXICON = _Lexicon(DEFACEMENT_STRONG, DEFACEMENT_WEAK)


@functools.lru_cache(maxsize=256)
def _phrase_regex(phrase):
    return re.compile(r"(?<![a-z0-9])%s(?![a-z0-9])" % _phrase_pattern(phrase, _TEXT_SEP))


def _canonical(matched: str) -> str:
    return re.sub(r"[\W_]+", " ", matched.lower()).strip()


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def finding(rule, severity, message, message_en, evidence=None):
    """A finding (``sop_result.finding``) with its message in Indonesian and English."""
    return sop_result.finding(rule, severity, message, evidence, message_en=message_en)


def excerpt(text: str, start: int, end: int, width: int = EXCERPT_WIDTH) -> str:
    """Up to ``width`` characters of ``text`` around ``text[start:end]``, whitespace collapsed."""
    pad = max(0, (width - (end - start)) // 2)
    lo = max(0, start - pad)
    hi = min(len(text), end + pad)
    piece = " ".join(text[lo:hi].split())
    return ("..." if lo > 0 else "") + piece + ("..." if hi < len(text) else "")


def normalize_text(text: str) -> str:
    return " ".join(text.split())


def fingerprint(text: str) -> str:
    """A content fingerprint that ignores whitespace, digits (dates, counters) and case."""
    reduced = re.sub(r"[\d\s]+", " ", text.lower()).strip()
    return hashlib.sha256(reduced.encode("utf-8", "replace")).hexdigest()[:32]


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """An approximation of the registrable domain (eTLD+1) of ``host``."""
    host = (host or "").strip(".").lower()
    if not host or re.match(r"^[\d.]+$", host) or ":" in host:
        return host
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in SECOND_LEVEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _is_trusted(domain: str) -> bool:
    return any(domain == s or domain.endswith("." + s) for s in TRUSTED_SUFFIXES)


def word_set(text: str) -> frozenset:
    return frozenset(re.findall(r"\w+", text.lower()))


def similarity(a, b) -> float:
    """Jaccard similarity of the word sets of two texts or word sets (1.0 = same words)."""
    wa = a if isinstance(a, frozenset) else word_set(a)
    wb = b if isinstance(b, frozenset) else word_set(b)
    if not wa and not wb:
        return 1.0
    return len(wa & wb) / float(len(wa | wb))


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "command",
    ]
)
_SKIP = frozenset(("script", "style", "noscript", "template", "svg"))
_HIDDEN_STYLE = (
    (re.compile(r"display\s*:\s*none"), "display:none"),
    (re.compile(r"visibility\s*:\s*hidden"), "visibility:hidden"),
    (
        re.compile(r"(?:^|[;\s])(?:left|top|right|margin-left|margin-top|text-indent)\s*:\s*-\d{3,}"),
        "off-screen",
    ),
    (re.compile(r"(?:^|[;\s])font-size\s*:\s*0(?:px|pt|em|rem|%)?\s*(?:;|$|!)"), "font-size:0"),
    (re.compile(r"(?:^|[;\s])opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)"), "opacity:0"),
)
# zero-size: a 0/1 px height or width together with overflow:hidden, in either order (two searches:
# one pattern with ".*" between them takes quadratic time on a long style).
_ZERO_SIZE_RE = re.compile(r"(?:^|[;\s])(?:height|width)\s*:\s*[01]px\b")
_OVERFLOW_HIDDEN_RE = re.compile(r"overflow\s*:\s*hidden")

# Page text comes from hostile sites and is parsed on the controller's event loop, where no timeout
# can interrupt it: every pattern below runs in linear time. An opening tag never holds "<" outside
# quotes ([^<>]), a search for a block stops at its last closing tag (endpos), and rules start only
# after a brace, so that a failed attempt never rescans the rest of the page from every "<".
_STYLE_BLOCK_RE = re.compile(r"<style[^<>]*>(.*?)</style>", re.I | re.S)
_CSS_RULE_RE = re.compile(r"(?:^|(?<=[{}]))([^{}]+)\{([^}]*)\}")
_CLASS_SEL_RE = re.compile(r"^[\w\s,.#-]*$")


def _hidden_reason(style: str):
    style = style.lower()
    for regex, reason in _HIDDEN_STYLE:
        if regex.search(style):
            return reason
    if _ZERO_SIZE_RE.search(style) and _OVERFLOW_HIDDEN_RE.search(style):
        return "zero-size"
    return None


def _hidden_selectors(html: str):
    """Class and id names that a page's own <style> blocks hide."""
    classes, ids = {}, {}
    for block in _STYLE_BLOCK_RE.findall(html, 0, _last_close(html, "</style>")):
        for selectors, body in _CSS_RULE_RE.findall(block, 0, block.rfind("}") + 1):
            reason = _hidden_reason(body)
            if not reason:
                continue
            for sel in selectors.split(","):
                sel = sel.strip()
                if not _CLASS_SEL_RE.match(sel) or " " in sel:
                    continue
                if sel.startswith("."):
                    classes[sel[1:]] = reason
                elif sel.startswith("#"):
                    ids[sel[1:]] = reason
    return classes, ids


_SKIP_BLOCK_RE = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|noscript|template|svg|title)\b[^<>]*>.*?(?:</\1\s*>|$)", re.S | re.I
)
#: The name of a start tag with attributes: the only tags that can hide content, link or declare a
#: feed. Where such a tag ends is found by :func:`_start_tags`.
_TAG_NAME_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)\s")
_TAG_STOP_RE = re.compile(r"[>\"']")
_ANY_TAG_RE = re.compile(r"</?[a-zA-Z!?][^>]*>")
_TITLE_RE = re.compile(r"<title\b[^<>]*>(.*?)</title\s*>", re.S | re.I)
_A_END_RE = re.compile(r"</a\s*>|<a\s", re.I)
_ATTR_RE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")
_END_PATTERNS = {}


def _last_close(text: str, closer: str) -> int:
    """End of the last ``closer`` (case-insensitive, up to its ">") in ``text``, or 0: the end of the
    search for a block that needs it, so that no start tag after it scans on to the end."""
    at = text.lower().rfind(closer)
    end = text.find(">", at) if at >= 0 else -1
    return end + 1 if end >= 0 else 0


def _start_tags(doc: str):
    """(name, raw attributes, start, end) of each start tag with attributes, in order.

    A tag ends at the first ">" outside quoted values (the same tags as the pattern
    ``<name\\s[^>"']*(?:("[^"]*"|'[^']*')[^>"']*)*>``), found in n log n time however the page is
    built: quotes and ">" are looked up in sorted position lists, and a quote from which an earlier
    attempt ran off the end of the page ends every later attempt that reaches it."""
    stops = [m.start() for m in _TAG_STOP_RE.finditer(doc)]
    quotes = {
        '"': [i for i in stops if doc[i] == '"'],
        "'": [i for i in stops if doc[i] == "'"],
    }
    dead = set()
    pos = 0
    while True:
        match = _TAG_NAME_RE.search(doc, pos)
        if match is None:
            return
        i, end, visited = match.end() - 1, None, []
        while True:
            k = bisect.bisect_left(stops, i)
            if k == len(stops):
                break
            j = stops[k]
            if doc[j] == ">":
                end = j + 1
                break
            if j in dead:
                break
            visited.append(j)
            same = quotes[doc[j]]
            n = bisect.bisect_right(same, j)
            if n == len(same):
                break
            i = same[n] + 1
        if end is None:  # runs off the end of the page: not a tag
            dead.update(visited)
            pos = match.start() + 1
            continue
        yield match.group(1), doc[match.end() - 1 : end - 1], match.start(), end
        pos = end


def _attrs(raw):
    attrs = {}
    for name, value in _ATTR_RE.findall(raw):
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[name.lower()] = html_lib.unescape(value) if "&" in value else value
    return attrs


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment (tags removed, entities decoded, whitespace collapsed)."""
    # Only up to the last ">": a "<" after it starts no tag, and would make every attempt scan to the end.
    last = fragment.rfind(">")
    stripped = _ANY_TAG_RE.sub(" ", fragment[: last + 1]) + fragment[last + 1 :]
    return normalize_text(html_lib.unescape(stripped) if "&" in stripped else stripped)


def _element_end(html: str, tag: str, pos: int) -> int:
    """End offset of the element whose start tag ends at ``pos`` (nesting of the same tag counted)."""
    pattern = _END_PATTERNS.get(tag)
    if pattern is None:
        pattern = _END_PATTERNS[tag] = re.compile(r"<(/?)%s\b[^<>]*>" % re.escape(tag), re.I)
    depth = 1
    for match in pattern.finditer(html, pos):
        if match.group(1):
            depth -= 1
            if depth == 0:
                return match.end()
        elif not match.group(0).endswith("/>"):
            depth += 1
    return len(html)


def _absolute(base_url, origin, href):
    low = href[:8].lower()
    if low.startswith(("http://", "https://")) and "/./" not in href and "/../" not in href:
        return href
    if origin and href[:1] == "/" and href[1:2] != "/" and "/." not in href:
        return origin + href
    return urljoin(base_url, href)


def _hide_reason(tag, raw, hidden_classes, hidden_ids):
    """Why an element is hidden, judged from its attributes, or None (cheap tests first)."""
    maybe = (
        "style" in raw
        or "hidden" in raw
        or (hidden_classes and "class" in raw and any(c in raw for c in hidden_classes))
        or (hidden_ids and "id" in raw and any(i in raw for i in hidden_ids))
    )
    if not maybe:
        return None
    attrs = _attrs(raw)
    if "hidden" in attrs:
        return "hidden"
    reason = _hidden_reason(attrs["style"]) if attrs.get("style") else None
    if not reason and attrs.get("class"):
        for cls in attrs["class"].split():
            if cls in hidden_classes:
                return hidden_classes[cls]
    if not reason and attrs.get("id") in hidden_ids:
        reason = hidden_ids[attrs["id"]]
    return reason


def page_title(html: str) -> str:
    """The text of a page's title, as :func:`parse_html` reads it."""
    title_match = _TITLE_RE.search(html, 0, _last_close(html, "</title"))
    return _text(title_match.group(1)) if title_match else ""


def parse_html(html: str, base_url: str = "") -> dict:
    """Parse a page: title, visible and hidden text, links, feed links and hidden blocks.

    Tolerates broken markup. A hidden block is an element hidden by its attributes (inline style,
    ``hidden``, or a class / id that the page's own stylesheet hides) with everything inside it.
    """
    classes, ids = _hidden_selectors(html) if "<style" in html or "<STYLE" in html else ({}, {})
    title = page_title(html)
    doc = _SKIP_BLOCK_RE.sub(" ", html)
    parts = urlsplit(base_url)
    origin = "%s://%s" % (parts.scheme, parts.netloc) if parts.scheme and parts.netloc else None
    links, feeds, blocks = [], [], []
    meta_refresh = None
    hidden_end = -1
    for tag, raw, start, end in _start_tags(doc):
        tag = tag.lower()
        inside = start < hidden_end
        if tag == "link" or tag == "meta":
            attrs = _attrs(raw)
            if tag == "link":
                rel = attrs.get("rel", "").lower().split()
                kind = attrs.get("type", "").lower()
                if "alternate" in rel and ("rss" in kind or "atom" in kind) and attrs.get("href"):
                    feeds.append(urljoin(base_url, attrs["href"].strip()))
            elif attrs.get("http-equiv", "").lower() == "refresh":
                refresh = re.search(r"url\s*=\s*['\"]?([^'\";]+)", attrs.get("content", ""), re.I)
                if refresh:
                    meta_refresh = urljoin(base_url, refresh.group(1).strip())
            continue
        if not inside and raw and tag not in _VOID and tag != "title":
            reason = _hide_reason(tag, raw, classes, ids)
            if reason:
                hidden_end = _element_end(doc, tag, end)
                blocks.append({"reason": reason, "tag": tag, "span": (start, hidden_end), "links": []})
                inside = True
        if tag == "a" and "href" in raw:
            href = _attrs(raw).get("href", "").strip()
            if href and not href.lower().startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
                close = _A_END_RE.search(doc, end)
                text_end = close.start() if close else min(len(doc), end + 1000)
                link = {
                    "href": _absolute(base_url, origin, href),
                    "text": _text(doc[end:text_end]),
                    "hidden": blocks[-1]["reason"] if inside else None,
                }
                links.append(link)
                if inside:
                    blocks[-1]["links"].append({"href": link["href"], "text": link["text"]})
    visible, hidden, pos = [], [], 0
    for block in blocks:
        start, end = block.pop("span")
        visible.append(doc[pos:start])
        block["text"] = _text(doc[start:end])
        hidden.append(block["text"])
        pos = end
    visible.append(doc[pos:])
    return {
        "title": title,
        "text": _text(" ".join(visible)),
        "hidden_text": " ".join(t for t in hidden if t),
        "links": links,
        "feeds": feeds,
        "hidden_blocks": blocks,
        "meta_refresh": meta_refresh,
    }


# --------------------------------------------------------------------------------------------------
# Lexicon matching
# --------------------------------------------------------------------------------------------------


def words_of(text: str) -> list:
    """The lower-cased words of ``text`` (shareable between the lexicon checks)."""
    return _WORD_RE.findall(text.lower())


def gambling_in_text(text: str, words=None) -> dict:
    """Gambling terms in ``text``: {"terms": [...], "strong": bool, "hit": bool, "excerpt": str}."""
    low = text.lower()
    found = _GAMBLING_LEXICON.scan(low, words)
    terms = []
    for term, _strong in found:
        if term not in terms:
            terms.append(term)
    strong_terms = [term for term, is_strong in found if is_strong]
    hit = bool(strong_terms) or len(terms) >= GAMBLING_WEAK_THRESHOLD
    snippet = ""
    if hit:
        match = _phrase_regex(strong_terms[0] if strong_terms else terms[0]).search(low)
        if match:
            snippet = excerpt(text, match.start(), match.end())
    return {"terms": terms, "strong": bool(strong_terms), "hit": hit, "excerpt": snippet}


def gambling_in_url(url: str) -> list:
    """Gambling slugs in a URL (host, path and query), e.g. /slot-gacor-maxwin/ or ?page=togel."""
    low = url.lower()
    parts = urlsplit(low)
    target = " ".join((parts.netloc, parts.path, parts.query))
    terms = []
    for match in _GAMBLING_URL_STRONG_RE.finditer(target):
        term = _canonical(match.group(0)) or match.group(0)
        if term not in terms:
            terms.append(term)
    if terms:
        return terms
    weak = []
    for match in _GAMBLING_URL_WEAK_RE.finditer(target):
        term = _canonical(match.group(0))
        if term not in weak:
            weak.append(term)
    return weak if len(weak) >= GAMBLING_WEAK_THRESHOLD else []


def defacement_in_text(text: str, title: str = "", words=None) -> dict:
    """Defacement phrases: {"terms": [...], "strong": bool, "excerpt": str, "in_title": bool}."""
    terms, strong, first = [], False, None
    for source, source_words in ((text, words), (title, None)):
        low = source.lower()
        for term, is_strong in _DEFACE_LEXICON.scan(low, source_words):
            if term not in terms:
                terms.append(term)
            strong = strong or is_strong
            if first is None or (is_strong and not first[2]):
                first = (source, term, is_strong)
    in_title = bool(re.search(r"hack|defac|h4ck|pwn", title.lower()))
    snippet = ""
    if first is not None:
        match = _phrase_regex(first[1]).search(first[0].lower())
        if match:
            snippet = excerpt(first[0], match.start(), match.end())
    return {"terms": terms, "strong": strong, "in_title": in_title, "excerpt": snippet}


def keyword_present(text: str, keyword: str) -> bool:
    """Whether ``keyword`` occurs in ``text`` (case and whitespace insensitive)."""
    if not keyword:
        return True
    return normalize_text(keyword).lower() in normalize_text(text).lower()


# --------------------------------------------------------------------------------------------------
# Page analysis
# --------------------------------------------------------------------------------------------------


_HOST_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)")


def _link_domain(href: str) -> str:
    match = _HOST_RE.match(href)
    return registrable_domain(match.group(1).strip("[]")) if match else ""


def outbound_domains(page: dict, site_url: str) -> list:
    """Registrable domains of links that leave the site, sorted."""
    own = registrable_domain(urlsplit(site_url).hostname or "")
    found = set()
    for link in page["links"]:
        if not link["href"].lower().startswith(("http://", "https://")):
            continue
        domain = _link_domain(link["href"])
        if domain and domain != own:
            found.add(domain)
    return sorted(found)


def gambling_links(page: dict) -> list:
    """The links of a parsed page whose address or anchor text is gambling:
    [{"href", "text", "terms"}]."""
    found = []
    # One pass over all hrefs and anchors first; links one by one only when something matched.
    joined = "\n".join(link["href"] + " " + link["text"] for link in page["links"]).lower()
    if _GAMBLING_URL_STRONG_RE.search(joined) or len(set(_GAMBLING_URL_WEAK_RE.findall(joined))) >= 2:
        for link in page["links"]:
            terms = gambling_in_url(link["href"])
            anchor = gambling_in_text(link["text"])
            if terms or anchor["strong"]:
                found.append({"href": link["href"], "text": link["text"], "terms": terms or anchor["terms"]})
    return found


def check_page(page: dict, site_url: str, keyword: str = "", variant: str = "browser") -> list:
    """Gambling spam, defacement, hidden links and keyword findings for one parsed page."""
    findings = []
    own = registrable_domain(urlsplit(site_url).hostname or "")
    body_text = page["text"] + " " + page["hidden_text"]
    body_words = words_of(body_text)
    full_text = page["title"] + " " + body_text
    gambling = gambling_in_text(full_text, words_of(page["title"]) + body_words)
    link_terms = gambling_links(page)
    if gambling["hit"] or link_terms:
        where = " (varian %s)" % variant if variant != "browser" else ""
        where_en = " (%s variant)" % variant if variant != "browser" else ""
        findings.append(
            finding(
                "gambling-spam",
                "critical",
                "Konten judi online ditemukan di halaman%s: %s."
                % (where, ", ".join(gambling["terms"][:5]) or "tautan judi"),
                "Online-gambling content found on the page%s: %s."
                % (where_en, ", ".join(gambling["terms"][:5]) or "gambling links"),
                {
                    "variant": variant,
                    "terms": gambling["terms"][:20],
                    "excerpt": gambling["excerpt"],
                    "links": link_terms[:20],
                    "link_count": len(link_terms),
                },
            )
        )
    deface = defacement_in_text(body_text, page["title"], body_words)
    weak_only = deface["terms"] and not deface["strong"]
    keyword_ok = keyword_present(page["title"] + " " + page["text"], keyword)
    if (
        deface["strong"]
        or deface["in_title"]
        or (weak_only and (len(deface["terms"]) >= 2 or not keyword_ok))
    ):
        severity = "critical" if (deface["strong"] or deface["in_title"]) else "high"
        findings.append(
            finding(
                "defacement",
                severity,
                "Tanda defacement (halaman diubah peretas) ditemukan: %s." % ", ".join(deface["terms"][:5]),
                "Signs of defacement found: %s." % ", ".join(deface["terms"][:5]),
                {
                    "variant": variant,
                    "terms": deface["terms"],
                    "title": page["title"],
                    "excerpt": deface["excerpt"],
                },
            )
        )
    suspicious = []
    # A hidden copy of a visible link (the collapsed mobile menu of most CMS themes) is not injected.
    visible_hrefs = {link["href"] for link in page["links"] if not link["hidden"]}
    for block in page["hidden_blocks"]:
        external = [lk for lk in block["links"] if lk["href"].lower().startswith(("http://", "https://"))]
        external = [lk for lk in external if _link_domain(lk["href"]) not in ("", own)]
        untrusted = [
            lk
            for lk in external
            if not _is_trusted(_link_domain(lk["href"])) and lk["href"] not in visible_hrefs
        ]
        gamble = [
            lk
            for lk in block["links"]
            if gambling_in_url(lk["href"]) or gambling_in_text(lk["text"])["strong"]
        ]
        block_gamble = gambling_in_text(block["text"])["hit"]
        if untrusted or gamble or (block_gamble and block["links"]):
            suspicious.append(
                {
                    "reason": block["reason"],
                    "tag": block["tag"],
                    "gambling": bool(gamble or block_gamble),
                    "links": [lk["href"] for lk in (gamble or untrusted or block["links"])][:20],
                    "excerpt": block["text"][:EXCERPT_WIDTH],
                }
            )
    if suspicious:
        gamble = any(b["gambling"] for b in suspicious)
        count = sum(len(b["links"]) for b in suspicious)
        findings.append(
            finding(
                "hidden-links",
                "critical" if gamble else "medium",
                "%d tautan tersembunyi (%s) ke situs luar%s."
                % (count, suspicious[0]["reason"], ", berisi istilah judi" if gamble else ""),
                "%d hidden links (%s) to outside sites%s."
                % (count, suspicious[0]["reason"], ", with gambling terms" if gamble else ""),
                {"variant": variant, "blocks": suspicious[:10]},
            )
        )
    if not keyword_ok and variant == "browser":
        findings.append(keyword_missing(page, keyword))
    return findings


def keyword_missing(page: dict, keyword: str) -> dict:
    """The keyword-missing finding of a homepage (parsed) that lacks the court's KEYWORD."""
    return finding(
        "keyword-missing",
        "high",
        "Kata kunci '%s' tidak ditemukan di halaman utama." % keyword,
        "Keyword '%s' not found on the homepage." % keyword,
        {"keyword": keyword, "title": page["title"], "excerpt": page["text"][:EXCERPT_WIDTH]},
    )


# --------------------------------------------------------------------------------------------------
# Feeds, sitemaps, robots.txt
# --------------------------------------------------------------------------------------------------

# The inside of a date or <loc> element: text, or one CDATA section with text around it. No two
# quantifiers here can match the same characters (as "\s*" next to "[^<]+?" would), so a long run of
# white space without a closing tag costs linear, not cubic, time.
_INNER = r"([^<]*(?:<!\[CDATA\[[^\]]*\]\]>[^<]*)?)"
_FEED_DATE_RE = re.compile(
    r"<(pubDate|updated|published|lastBuildDate|dc:date|lastmod|news:publication_date)\b[^<>]*>"
    + _INNER
    + r"</\1>",
    re.I,
)
_LOC_RE = re.compile(r"<loc>" + _INNER + r"</loc>", re.I)
_LASTMOD_RE = re.compile(r"<lastmod>([^<]*)</lastmod>", re.I)
_SITEMAP_RE = re.compile(r"<sitemap>(.*?)</sitemap>", re.I | re.S)


def _inner(raw: str) -> str:
    """The value of an element's inside: white space and a CDATA wrapper removed."""
    raw = raw.strip()
    if raw.startswith("<![CDATA[") and raw.endswith("]]>"):
        raw = raw[9:-3].strip()
    return raw


def parse_date(value: str):
    """An aware datetime from an RFC 822, ISO 8601 / W3C or HTTP date, or None."""
    value = (value or "").strip()
    if not value:
        return None
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        iso = value.replace("Z", "+00:00").replace("z", "+00:00")
        if re.match(r"^\d{4}-\d{2}-\d{2}$", iso):
            iso += "T00:00:00+00:00"
        iso = re.sub(r"(\.\d+)", "", iso)
        iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", iso)
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            return None
    else:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed is None:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def newest_date(xml: str, now=None):
    """The newest item date in an RSS/Atom feed or sitemap (dates in the future are ignored)."""
    now = now or datetime.now(timezone.utc)
    newest = None
    for tag, value in _FEED_DATE_RE.findall(xml):
        if tag.lower() == "lastbuilddate":
            continue  # regenerated on every request by many CMSs; item dates are what matter
        parsed = parse_date(_inner(value))
        if parsed is None or (parsed - now).total_seconds() > 86400:
            continue
        if newest is None or parsed > newest:
            newest = parsed
    return newest


def is_feed(body: str) -> bool:
    head = body[:2000].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


_ENTRY_START_RE = re.compile(r"<(item|entry)[\s>]", re.I)
_ENTRY_END_RE = {"item": re.compile(r"</item\s*>", re.I), "entry": re.compile(r"</entry\s*>", re.I)}
_ENTRY_CONTENT_RE = re.compile(r"<(content:encoded|content|description|summary)\b[^<>]*>", re.I)
_ENTRY_TITLE_RE = re.compile(r"<title\b[^<>]*>" + _INNER + r"</title\s*>", re.I)
_ENTRY_LINK_RE = re.compile(r"<link>" + _INNER + r"</link>|<link\b[^<>]*\bhref=[\"']([^\"'<>]*)[\"']", re.I)
MAX_FEED_ENTRIES = 20
MAX_ENTRY_CHARS = 200000
# content:encoded, description (RSS), content, summary (Atom): more in one entry is not a CMS's feed
MAX_ENTRY_CONTENTS = 4


def _entry_contents(block: str) -> list:
    """The contents of an entry's content elements, as HTML (a CDATA section, or escaped text)."""
    parts, pos = [], 0
    for _unused in range(MAX_ENTRY_CONTENTS):
        match = _ENTRY_CONTENT_RE.search(block, pos)
        if match is None:
            break
        pos = match.end()
        if block.startswith("<![CDATA[", pos):
            close = block.find("]]>", pos + 9)
            if close < 0:
                break
            parts.append(block[pos + 9 : close])
            pos = close + 3
        else:
            close = block.find("<", pos)
            close = len(block) if close < 0 else close
            parts.append(html_lib.unescape(block[pos:close]))
            pos = close
    return parts


def feed_entries(xml: str, limit: int = MAX_FEED_ENTRIES) -> list:
    """The first ``limit`` entries of an RSS or Atom feed: [{"title", "link", "html"}], ``html`` being the
    entry's content as the site publishes it (a CMS puts a post's whole content into its feed: spam
    injected into a post is there, links and all, even when the front page shows only an excerpt).
    Each entry is read within MAX_ENTRY_CHARS, whatever the feed holds."""
    entries, pos = [], 0
    while len(entries) < limit:
        match = _ENTRY_START_RE.search(xml, pos)
        if match is None:
            break
        bound = min(len(xml), match.end() + MAX_ENTRY_CHARS)
        close = _ENTRY_END_RE[match.group(1).lower()].search(xml, match.end(), bound)
        end = close.start() if close else bound
        block = xml[match.end() : end]
        pos = close.end() if close else end
        title = _ENTRY_TITLE_RE.search(block)
        link = _ENTRY_LINK_RE.search(block)
        entries.append(
            {
                "title": html_lib.unescape(_inner(title.group(1)))[:200] if title else "",
                "link": html_lib.unescape(_inner(link.group(1) or link.group(2) or ""))[:500] if link else "",
                "html": "\n".join(_entry_contents(block)),
            }
        )
    return entries


def parse_sitemap(xml: str) -> dict:
    """{"index": bool, "urls": [...], "newest": datetime|None, "children": [(loc, lastmod)]}"""
    head = xml[:2000].lower()
    is_index = "<sitemapindex" in head
    if not is_index and "<urlset" not in head:
        return {"index": False, "urls": [], "newest": None, "children": [], "valid": False}
    locs = [loc for loc in (_inner(raw) for raw in _LOC_RE.findall(xml)) if loc]
    children = []
    if is_index:
        for block in _SITEMAP_RE.findall(xml, 0, _last_close(xml, "</sitemap")):
            loc = _LOC_RE.search(block)
            if loc and _inner(loc.group(1)):
                lastmod = _LASTMOD_RE.search(block)
                children.append((_inner(loc.group(1)), parse_date(lastmod.group(1)) if lastmod else None))
    return {
        "index": is_index,
        "urls": [] if is_index else locs,
        "newest": newest_date(xml),
        "children": children,
        "valid": True,
    }


def parse_robots(text: str) -> dict:
    """Normalised directive lines and Sitemap URLs of a robots.txt."""
    lines, sitemaps = [], []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        field, value = line.split(":", 1)
        field, value = field.strip().lower(), value.strip()
        if field == "sitemap":
            sitemaps.append(value)
        if field in ("user-agent", "allow", "disallow", "sitemap", "crawl-delay", "host"):
            lines.append("%s: %s" % (field, value))
    return {"lines": lines, "sitemaps": sitemaps}
