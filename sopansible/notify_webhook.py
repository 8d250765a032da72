"""The webhook channel of the notifications: one JSON POST per problem event (docs/notifications.md,
"Webhook"), so that WhatsApp gateways, chat tools and ticket systems can be wired without new code.

The endpoint's URL and its secret header are secrets: neither is ever shown (an endpoint is named by its
``name`` and host), logged or stored; the URL is redacted from the HTTP client's log lines too. Each POST
has a time limit for the whole exchange (connection, request and answer), a redirect is not followed,
and a failing endpoint raises :class:`WebhookError` with the number of events it took before.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact

PAYLOAD_VERSION = 1
SIGNATURE_HEADER = "X-Sopansible-Signature"
TIMESTAMP_HEADER = "X-Sopansible-Timestamp"
EVENTS = {"new": "problem", "changed": "changed", "resolved": "resolved"}
USER_AGENT = "sopansible-webhook/1"


class WebhookError(Exception):
    """A POST that failed (never holding the URL or a header value); ``delivered`` events went before."""

    def __init__(self, text_id: str, text_en: str, delivered: int = 0) -> None:
        super().__init__(text_id)
        self.text_id, self.text_en, self.delivered = text_id, text_en, delivered


@dataclass
class WebhookConfig:
    name: str
    url: str = field(repr=False)
    host: str = ""
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    secret_headers: tuple[str, ...] = ()
    hmac_key: bytes | None = field(default=None, repr=False)
    courts: list[str] | None = None
    timeout: float = 10.0

    @property
    def where(self) -> str:
        return f"webhook {self.name} ({self.host})"

    def secrets(self) -> list[str]:
        """Every value that must never be shown: the URL (and its path and query, where tokens live),
        the secret headers' values and the signing key."""
        out = [self.url]
        path = self.url.split("://", 1)[-1].partition("/")[2]
        if path:
            out.append(path)
        out += [self.headers[name] for name in self.secret_headers if self.headers.get(name)]
        if self.hmac_key:
            out.append(self.hmac_key.decode("utf-8", "replace"))
        return [s for s in out if len(s) >= 4]


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return _redact.redact_text(text)


def event_id(key: str, fingerprint: str, event: str) -> str:
    """The same event of the same problem has the same id when it is sent again (a retry)."""
    return hashlib.sha256(f"{key}\n{fingerprint}\n{event}".encode()).hexdigest()[:32]


def payload(
    *,
    status: str,
    key: str,
    fingerprint: str,
    court: str,
    court_name: str,
    activity: str,
    rule: str,
    severity: str | None,
    target: str,
    title: Mapping[str, str],
    detail: str,
    first_seen: str | None,
    run: Mapping[str, Any],
    report_url: str | None,
    text: str,
) -> dict:
    """The JSON body of one event (version 1; docs/notifications.md lists every field)."""
    event = EVENTS[status]
    return {
        "version": PAYLOAD_VERSION,
        "event": event,
        "id": event_id(key, fingerprint, event),
        "key": key,
        "court": court,
        "court_name": court_name,
        "activity": activity,
        "rule": rule,
        "severity": severity,
        "target": target,
        "title": {"id": title["id"], "en": title["en"]},
        "message": {"id": f"{title['id']}: {detail}", "en": f"{title['en']}: {detail}"},
        "detail": detail,
        "first_seen": first_seen,
        "run": {"id": run.get("run_id"), "name": run.get("name"), "started": run.get("started")},
        "report_url": report_url,
        "text": text,
    }


def _encode(body: Mapping) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def signature(key: bytes, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` (the receiver recomputes it and
    rejects an old timestamp, so a captured request cannot be replayed later)."""
    return "sha256=" + hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def post(config: WebhookConfig, bodies: list[dict]) -> dict:
    """POST every body in turn; stops at the first failure (WebhookError with the number delivered).
    Returns {"delivered": n}."""
    coro = _post_all(config, bodies)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from code that runs an event loop: post from a thread of our own.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _post_all(config: WebhookConfig, bodies: list[dict]) -> dict:
    import httpx

    secrets = config.secrets()
    delivered = 0
    async with httpx.AsyncClient(timeout=config.timeout, follow_redirects=False) as client:
        for body in bodies:
            raw = _encode(body)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                **config.headers,
            }
            if config.hmac_key:
                stamp = str(int(time.time()))
                headers[TIMESTAMP_HEADER] = stamp
                headers[SIGNATURE_HEADER] = signature(config.hmac_key, stamp, raw)
            try:
                # One limit for the whole exchange: httpx's own timeouts bound each read only, and a
                # server that answers one byte at a time would keep the run waiting.
                status = await asyncio.wait_for(_send(client, config.url, raw, headers), config.timeout)
            except TimeoutError:
                raise WebhookError(
                    f"{config.where}: tidak ada jawaban dalam {config.timeout:g} detik",
                    f"{config.where}: no answer within {config.timeout:g} s",
                    delivered,
                ) from None
            except httpx.HTTPError as exc:
                detail = scrub(f"{type(exc).__name__}: {exc}", secrets)
                raise WebhookError(
                    f"{config.where}: gagal mengirim ({detail})",
                    f"{config.where}: sending failed ({detail})",
                    delivered,
                ) from None
            if not 200 <= status < 300:
                raise WebhookError(
                    f"{config.where}: ditolak (HTTP {status})",
                    f"{config.where}: refused (HTTP {status})",
                    delivered,
                )
            delivered += 1
    return {"delivered": delivered}


async def _send(client, url: str, raw: bytes, headers: Mapping[str, str]) -> int:
    # The answer's body is not needed (its status says it all) and is never read: a huge or endless
    # body costs nothing.
    async with client.stream("POST", url, content=raw, headers=headers) as response:
        return response.status_code
