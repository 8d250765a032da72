"""The watch: SOP W1 every few minutes (``sopansible watch``), without a playbook per round.

Every court of the inventory is probed every N minutes (``--interval``, 5 by default;
``court_watch_interval_minutes`` per court) by the site-probe engine itself, many sites at a time
(``concurrency``), each within its own timeouts, the whole round within a deadline (``round_timeout``;
by default the interval, but never shorter than the time limit of one site): a site still running or
waiting at the deadline is stopped and counted as "not measured", never as down, and never delays the
next round.

Every round is recorded in the history store (table ``samples``: one row per court and round, with the
outages still open). Alerts go through the project's one notification path (``sopansible.notify``):

* a site that fails one round is not announced yet (the ``unavailable`` finding carries
  ``confirmed: false``); the second failed round in a row is (``confirmed: true``), so one lost
  packet pages no one;
* when it answers again the ``resolved`` note says how long the outage lasted (``outputs.ended``);
* defacement, gambling spam and cloaking are announced on the first round that sees them.

Rounds are light or full, per court: a court gets a full probe (every check of the site-probe engine)
in its first round and then once every ``full_every`` seconds (``--full-every``, 15 minutes by default),
and a light one in between (one request per served name: availability, HTTP status, response time,
certificate, keyword; the engine's ``depth: light``). A light round confirms and resolves outages as a
full one does, but what it did not look for (defacement, gambling spam, cloaking, hidden links...) is
"not measured": a problem a full round found stays open until a full round no longer finds it.

A W1 result is recorded as a run (name ``watch``) only for the courts whose announceable problems
changed in a round (and for every court in the first round), then notified: each problem once, as
after a daily run. A restarted watch resumes the open outages from the newest sample of each court, when
that sample is recent (``RESUME_ROUNDS`` intervals).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe, uptime
from ansible_collections.pn.website.plugins.module_utils.shared import sop_result as _sop

DEFAULT_INTERVAL = 300.0
#: Seconds between two full probes of a court (light probes in between).
DEFAULT_FULL_EVERY = 900.0
#: Failed rounds in a row before a site is announced as down (the reports' incidents use the same rule).
CONFIRM_ROUNDS = uptime.CONFIRM_ROUNDS
#: Samples older than this many days are deleted (the report period is 30 days).
DEFAULT_KEEP_DAYS = 35
INTERVAL_VARIABLE = "court_watch_interval_minutes"
PRUNE_EVERY = 6 * 3600.0
#: A restarted watch resumes the open outages of a court whose newest sample is at most this many
#: intervals old; after a longer stop it starts afresh.
RESUME_ROUNDS = 3

TEXT = {
    "id": {
        "interval": "{value!r}: bukan selang waktu (contoh 5m, 30s, 1h; angka saja = menit)",
        "positive": "harus bilangan bulat positif (menit), bukan {value!r}",
        "string": "harus berupa teks",
        "list": "harus berupa daftar teks",
    },
    "en": {
        "interval": "{value!r}: not an interval (e.g. 5m, 30s, 1h; a bare number is minutes)",
        "positive": "must be a positive whole number (minutes), not {value!r}",
        "string": "must be a string",
        "list": "must be a list of strings",
    },
}


class WatchError(_sop.BilingualError):
    """Options the watch cannot use."""


def parse_interval(value: Any, lang: str = "id") -> float:
    """Seconds of an interval: ``5m``, ``30s``, ``1h``, ``0.5s``; a bare number is minutes."""
    text = str(value).strip().lower()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|detik|m|min|menit|h|jam)?", text)
    seconds = None
    if match:
        number = float(match.group(1))
        unit = (match.group(2) or "m")[0]
        seconds = number * {"s": 1, "d": 1, "m": 60, "h": 3600, "j": 3600}[unit]
    if seconds is None or not 0 < seconds <= 7 * 86400 or not math.isfinite(seconds):
        raise WatchError(
            TEXT["id"]["interval"].format(value=value), TEXT["en"]["interval"].format(value=value)
        )
    return seconds


@dataclass
class Problem:
    """A court the watch leaves out: its data cannot be probed. Names the court and the variable."""

    court: str
    variable: str
    text: tuple[str, str]

    def message(self, lang: str = "id") -> str:
        return f"{self.court}: {self.variable}: {self.text[1] if lang == 'en' else self.text[0]}"


@dataclass
class Court:
    name: str
    site: dict
    interval: float
    data: dict = field(default_factory=dict)  # public inventory variables (reports, notifications)


def _problem(court: str, variable: str, key: str, **values: Any) -> Problem:
    return Problem(court, variable, (TEXT["id"][key].format(**values), TEXT["en"][key].format(**values)))


def court_site(name: str, variables: Mapping[str, Any]) -> tuple[dict | None, Problem | None]:
    """The probe site of a court from its inventory variables, as the pn.website.monitor role builds
    it; or the problem (court and variable named) that keeps it out."""
    domain = variables.get("court_domain") or ""
    url = variables.get("court_url") or (f"https://{domain}/" if isinstance(domain, str) and domain else "")
    keyword = variables.get("court_keyword", variables.get("court_name", "")) or ""
    if not isinstance(keyword, str):
        return None, _problem(name, "court_keyword", "string")
    for variable in ("court_hostnames", "court_probe_resolve"):
        value = variables.get(variable) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, _problem(name, variable, "list")
    site = {
        "name": name,
        "url": url,
        "keyword": keyword,
        "hostnames": list(variables.get("court_hostnames") or []),
        "resolve": list(variables.get("court_probe_resolve") or []),
        "state": {},
    }
    problem = site_probe.validate_site(site)
    if problem is not None:
        variable = (
            "court_probe_resolve"
            if "resolve" in problem.lower()
            else ("court_url" if variables.get("court_url") else "court_domain")
        )
        return None, Problem(name, variable, (problem, problem))
    return site, None


def courts_of(inventory, default_interval: float) -> tuple[list[Court], list[Problem]]:
    """The courts to watch (the ``courts`` group) and the courts left out with the reason."""
    courts, problems = [], []
    for name in inventory.courts:
        variables = inventory.hostvars.get(name) or {}
        site, problem = court_site(name, variables)
        interval = default_interval
        own = variables.get(INTERVAL_VARIABLE)
        if own is not None:
            if isinstance(own, bool) or not isinstance(own, int) or own <= 0:
                problem = problem or _problem(name, INTERVAL_VARIABLE, "positive", value=own)
            else:
                interval = own * 60.0
        if problem is not None:
            problems.append(problem)
            continue
        courts.append(Court(name, site, interval, inventory.public_court_vars(name)))
    return courts, problems


# -- state between rounds ------------------------------------------------------------------------------
@dataclass
class CourtState:
    outages: dict = field(default_factory=dict)  # target -> {"since", "rounds", "reason"}
    keys: frozenset | None = None  # announceable problems last recorded; None: record the next round
    due: float = 0.0  # time.monotonic() of its next probe
    full_due: float = 0.0  # time.monotonic() from which its next probe is a full one
    status: str | None = None  # W1 status of its last measured round


def _iso(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.UTC).replace(microsecond=0).isoformat()


def _seconds(since: str, until: str) -> float:
    return max(0.0, (_dt.datetime.fromisoformat(until) - _dt.datetime.fromisoformat(since)).total_seconds())


def problem_keys(sop: Mapping[str, Any], court: str, renewal_days: int | None = None) -> frozenset:
    """The keys of the problems the notifier would announce for this W1 result."""
    from sopansible import notify

    result = dict(sop, court=court)
    days = notify.DEFAULT_RENEWAL_DAYS if renewal_days is None else renewal_days
    return frozenset(p.key for p in notify.problems_of({"results": [result]}, days))


def assess(
    court: str,
    result: Mapping[str, Any],
    state: CourtState,
    at: str,
    lang: str = "id",
    renewal_days: int | None = None,
) -> tuple[dict, dict, bool]:
    """The W1 result and the sample of one court's round, and whether the result must be recorded
    (its announceable problems changed). Updates STATE (outages, keys, status)."""
    from sopansible import notify

    sop = site_probe.sop_result(result, lang)
    current: dict[str, dict] = {}
    for finding in sop["findings"]:
        if finding["rule"] != "unavailable":
            continue
        evidence = finding.setdefault("evidence", {})
        target = str(evidence.get("url") or "site")
        before = state.outages.get(target)
        rounds = (before["rounds"] + 1) if before else 1
        since = before["since"] if before else at
        evidence.update(confirmed=rounds >= CONFIRM_ROUNDS, failed_rounds=rounds, down_since=since)
        current[target] = {"since": since, "rounds": rounds, "reason": evidence.get("reason")}
    ended = [
        {
            "rule": "unavailable",
            "target": target,
            "since": before["since"],
            "until": at,
            "duration_s": _seconds(before["since"], at),
            "rounds": before["rounds"],
            "reason": before.get("reason"),
        }
        for target, before in state.outages.items()
        if target not in current and before["rounds"] >= CONFIRM_ROUNDS
    ]
    if ended:
        sop["outputs"]["ended"] = ended
    state.outages = current
    keys = problem_keys(sop, court, renewal_days)
    if state.keys is not None:
        # what this round did not look for (the page of a site that could not be read; every content
        # check in a light round) is not measured: what an earlier round found still stands
        keys |= {key for key in state.keys if not notify.looked_for(sop["outputs"], key.split("|")[1])}
    changed = state.keys is None or keys != state.keys or bool(ended)
    state.keys = keys
    state.status = sop["status"]
    sample = {
        "court": court,
        "at": at,
        "reachable": bool(result.get("reachable")),
        "http_status": result.get("status"),
        "response_ms": result.get("response_ms"),
        "reason": result.get("reason"),
        "error": result.get("error"),
        "rules": sorted({f["rule"] for f in sop["findings"]}),
        "outages": current,
        "depth": sop["outputs"]["depth"],
    }
    return sop, sample, changed


def unmeasured(court: str, state: CourtState, at: str) -> dict:
    """The sample of a court whose probe the round's deadline stopped: nothing is known."""
    return {
        "court": court,
        "at": at,
        "reachable": None,
        "reason": "deadline",
        "error": "not measured: the round's deadline passed first",
        "outages": state.outages,
    }


def resume(states: Mapping[str, CourtState], last: Mapping[str, Mapping[str, Any]]) -> None:
    """Open outages from each court's newest sample (a restarted watch counts on from there)."""
    for court, sample in last.items():
        outages = sample.get("outages")
        if court in states and isinstance(outages, Mapping):
            states[court].outages = {
                str(target): dict(value)
                for target, value in outages.items()
                if isinstance(value, Mapping)
                and isinstance(value.get("since"), str)
                and isinstance(value.get("rounds"), int)
            }


def _renewal_days(config) -> int | None:
    """The notifier's renewal horizon (its configuration), so that the watch records a result whenever
    what the notifier would announce changes; None (the default) when there is no usable configuration,
    whose error the notifications report."""
    from sopansible import notify

    try:
        loaded = notify.load_config(config)
    except notify.NotifyError:
        return None
    return loaded.renewal_days if loaded is not None else None


# -- rounds ----------------------------------------------------------------------------------------------
@dataclass
class Round:
    number: int
    at: str
    finished: str
    probed: int = 0
    up: int = 0
    down: int = 0
    unmeasured: int = 0
    full: int = 0  # courts probed with every check (the others: a light probe)
    run_id: str | None = None
    notified: dict | None = None
    statuses: dict = field(default_factory=dict)
    duration_s: float = 0.0

    def summary(self) -> dict:
        sent = (self.notified or {}).get("sent") or []
        return {
            "round": self.number,
            "at": self.at,
            "finished": self.finished,
            "duration_s": round(self.duration_s, 3),
            "probed": self.probed,
            "up": self.up,
            "down": self.down,
            "unmeasured": self.unmeasured,
            "full": self.full,
            "run_id": self.run_id,
            "sent": [
                {
                    "channel": s["channel"],
                    "court": s["court"],
                    "items": [i["status"] + " " + i["rule"] for i in s["items"]],
                }
                for s in sent
            ],
            "errors": (self.notified or {}).get("errors") or [],
        }


class Watch:
    """The watch over COURTS, writing to HISTORY (a HistoryStore)."""

    def __init__(
        self,
        courts: list[Court],
        history,
        *,
        options: Mapping[str, Any] | None = None,
        round_timeout: float | None = None,
        inventory: str | None = None,
        lang: str = "id",
        notify: bool = True,
        notify_config=None,
        keep_days: int = DEFAULT_KEEP_DAYS,
        full_every: float = DEFAULT_FULL_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.courts = {court.name: court for court in courts}
        self.history = history
        self.options = site_probe.normalize_options(
            dict({"freshness": False, "baselines": False}, **dict(options or {}))
        )
        self.round_timeout = round_timeout
        self.inventory = inventory
        self.lang = lang
        self.notify = notify
        self.notify_config = notify_config
        self.keep_days = keep_days
        self.full_every = full_every
        self.clock = clock
        self.states = {name: CourtState() for name in self.courts}
        self.renewal_days = _renewal_days(notify_config) if notify else None
        self.rounds = 0
        self.busy = False  # inside a round (a stop request then ends the round at once)
        self.last_prune: float | None = None
        # Resume only what is recent: after a longer stop, nothing is known about the time between.
        now = _dt.datetime.now(_dt.UTC)
        recent = {}
        for name, sample in history.last_samples(list(self.courts)).items():
            gap = (now - _dt.datetime.fromisoformat(sample["at"])).total_seconds()
            if gap <= RESUME_ROUNDS * self.courts[name].interval + self.options["total_timeout"]:
                recent[name] = sample
        resume(self.states, recent)

    def due(self, now: float) -> list[Court]:
        return [self.courts[name] for name, state in self.states.items() if state.due <= now]

    def next_due(self) -> float:
        return min((state.due for state in self.states.values()), default=self.clock())

    def run_round(self) -> Round:
        """Probe every court that is due, record the samples (and a run when problems changed), notify."""
        self.busy = True
        try:
            return self._round()
        finally:
            self.busy = False

    def _round(self) -> Round:
        from sopansible import pipeline

        start = self.clock()
        courts = self.due(start)
        sites = []
        for court in courts:
            state = self.states[court.name]
            state.due = start + court.interval
            depth = "full" if state.full_due <= start else "light"
            if depth == "full":
                state.full_due = start + self.full_every
            sites.append(dict(court.site, state={}, depth=depth))
        self.rounds += 1
        at = _iso(_dt.datetime.now(_dt.UTC))
        deadline = self.round_timeout
        if deadline is None and courts:  # the interval, but never shorter than one site may take
            deadline = max(min(court.interval for court in courts), self.options["total_timeout"] + 1.0)
        results = site_probe.probe(sites, dict(self.options), deadline=deadline)
        samples, recorded = [], []
        done = Round(self.rounds, at, at)
        for court, site, result in zip(courts, sites, results, strict=True):
            state = self.states[court.name]
            done.probed += 1
            if result is None:
                samples.append(unmeasured(court.name, state, at))
                done.unmeasured += 1
                if site["depth"] == "full":
                    state.full_due = 0.0  # its full probe did not happen: the next round is full
                continue
            done.full += 1 if site["depth"] == "full" else 0
            sop, sample, changed = assess(court.name, result, state, at, self.lang, self.renewal_days)
            samples.append(sample)
            done.up += 1 if result.get("reachable") else 0
            done.down += 0 if result.get("reachable") else 1
            done.statuses[court.name] = sop["status"]
            if changed:
                recorded.append(
                    dict(
                        sop,
                        court=court.name,
                        started=result.get("checked_at") or at,
                        duration_s=(result.get("duration_ms") or 0) / 1000.0,
                        error=None,
                    )
                )
        done.finished = _iso(_dt.datetime.now(_dt.UTC))
        self.history.record_samples(samples)
        if recorded:
            outcome = pipeline.Outcome(
                run_id=f"watch-{at[:19].replace('-', '').replace(':', '')}-{secrets.token_hex(3)}",
                name="watch",
                status=_sop.worst(r["status"] for r in recorded),
                started=at,
                finished=done.finished,
                results=recorded,
                inventory=self.inventory,
                courts={r["court"]: self.courts[r["court"]].data for r in recorded},
            )
            pipeline.record(outcome, history=self.history)
            done.run_id = outcome.run_id
            if self.notify:
                done.notified = pipeline.notify(
                    outcome, lang=self.lang, config=self.notify_config, history=self.history
                )
                # A delivery that failed is tried again with the next recorded result: record the
                # court's result again next round rather than at its next change, from a full probe
                # (a light one would not show a content problem whose message was lost).
                for error in done.notified.get("errors") or []:
                    for name in [error.get("court")] if error.get("court") else outcome.courts:
                        if name in self.states:
                            self.states[name].keys = None
                            self.states[name].full_due = 0.0
        self._prune()
        done.duration_s = self.clock() - start
        return done

    def _prune(self) -> None:
        now = self.clock()
        if self.last_prune is not None and now - self.last_prune < PRUNE_EVERY:
            return
        self.last_prune = now
        cutoff = _dt.datetime.now(_dt.UTC) - _dt.timedelta(days=self.keep_days)
        self.history.prune_samples(cutoff)

    def statuses(self) -> dict[str, str]:
        return {name: state.status for name, state in self.states.items() if state.status is not None}


def run(
    watch: Watch,
    rounds: int | None = None,
    on_round: Callable[[Round], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    stopped: Callable[[], bool] = lambda: False,
) -> list[Round]:
    """Run ROUNDS rounds (forever with None), each when courts are due; returns the rounds when done.
    ``sleep(seconds)`` waits between rounds (it may return early when ``stopped()`` becomes true)."""
    done: list[Round] = []
    while (rounds is None or len(done) < rounds) and not stopped():
        wait = watch.next_due() - watch.clock()
        if wait > 0:
            sleep(wait)
            if stopped():
                break
            if watch.next_due() > watch.clock():
                continue
        one = watch.run_round()
        if rounds is not None:
            done.append(one)
        else:
            done[:] = [one]
        if on_round is not None:
            on_round(one)
    return done
