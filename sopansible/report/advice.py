"""Alternatives (Alternatif pemecahan masalah) for a finding, chosen by words in its rule id."""

from __future__ import annotations

from sopansible.report.texts import ADVICE as TEXTS
from sopansible.report.texts import ADVICE_GENERIC, ADVICE_UNREACHABLE

# (words, topic): the first topic with a word inside the rule id gives the advice.
ADVICE_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("deface",), "defacement"),
    (("gambl", "judi", "slot", "spam", "cloak", "seo"), "gambling"),
    (("webshell", "shell", "backdoor", "malware"), "webshell"),
    (("brute", "login", "credential"), "login"),
    (("sqli", "xss", "travers", "inject", "scan", "probe", "exploit", "attack", "lfi", "rce"), "attack"),
    (("stale", "content", "update-age"), "content"),
    (("tls", "cert", "ssl", "https"), "tls"),
    (("domain", "hosting", "connection", "expir", "renew", "paid"), "renewal"),
    (("down", "unavailable", "http", "timeout", "dns", "keyword", "unreach"), "unavailable"),
    (("backup", "snapshot", "restore", "repo"), "backup"),
    (("outdated", "version", "php", "cms", "package", "upgrade", "patch"), "updates"),
    (("harden", "config", "header", "permission", "firewall", "ssh"), "hardening"),
]


def _pick(texts: tuple[str, str], lang: str) -> str:
    return texts[1] if lang == "en" else texts[0]


def advice(rule: str, lang: str) -> str:
    """The advice for a finding with this rule id; the generic advice when no word matches."""
    rule_l = rule.lower()
    for words, topic in ADVICE_WORDS:
        if any(word in rule_l for word in words):
            return _pick(TEXTS[topic], lang)
    return _pick(ADVICE_GENERIC, lang)


def unreachable_advice(lang: str) -> str:
    """The advice for an activity that failed or could not reach the server."""
    return _pick(ADVICE_UNREACHABLE, lang)
