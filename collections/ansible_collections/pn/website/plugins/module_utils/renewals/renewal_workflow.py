# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SOP W4 done by people: the renewal of a service from the invoice to the new paid-until date.

A renewal goes through four steps, in this order, each with its date, who acted, and optionally the
amount and a document (the invoice, the payment request, the receipt, the new contract):

``invoice``   the provider's invoice was received (tagihan diterima)
``requested`` payment was requested from finance / the Secretary (pengajuan pembayaran)
``paid``      the invoice was paid (dibayar)
``renewed``   the service is renewed: carries the new ``paid_until`` (diperpanjang)

After ``renewed`` the next cycle starts with ``invoice``. :func:`check_step` refuses a step out of
order, a date that is not YYYY-MM-DD or earlier than the step before, and a ``renewed`` step without a
new paid-until date; :func:`paid_until` gives the date the renewal checks use: the inventory's
``paid_until`` (the starting point), or the newest renewed date recorded when that is later.

A step is a dict: ``stage``, ``date`` (YYYY-MM-DD), ``who``, and optionally ``amount`` (a number),
``document``, ``paid_until`` (renewed only) and ``note``. Standard library only.
"""

from __future__ import annotations

import datetime
import math
import re

STAGES = ("invoice", "requested", "paid", "renewed")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

TEXT = {
    "stage.invoice": ("tagihan diterima", "invoice received"),
    "stage.requested": ("pembayaran diajukan", "payment requested"),
    "stage.paid": ("dibayar", "paid"),
    "stage.renewed": ("diperpanjang", "renewed"),
    "bad_stage": (
        "tahap '{stage}' tidak dikenal; pilihan: {choices}",
        "unknown step '{stage}'; choices: {choices}",
    ),
    "bad_date": (
        "{field}: '{value}' bukan tanggal YYYY-MM-DD (contoh 2026-12-01)",
        "{field}: '{value}' is not a date YYYY-MM-DD (e.g. 2026-12-01)",
    ),
    "order_first": (
        "{item}: perpanjangan dimulai dengan tahap 'invoice' (tagihan diterima), bukan '{stage}'",
        "{item}: a renewal starts with the step 'invoice' (invoice received), not '{stage}'",
    ),
    "order": (
        "{item}: tahap terakhir '{last}' ({date}); tahap berikutnya '{expected}', bukan '{stage}'",
        "{item}: the last step was '{last}' ({date}); the next step is '{expected}', not '{stage}'",
    ),
    "earlier": (
        "{item}: tanggal {date} lebih awal dari tahap sebelumnya '{last}' ({last_date})",
        "{item}: the date {date} is earlier than the step before, '{last}' ({last_date})",
    ),
    "need_paid_until": (
        "{item}: tahap 'renewed' memerlukan tanggal berlaku baru (--paid-until YYYY-MM-DD)",
        "{item}: the step 'renewed' needs the new paid-until date (--paid-until YYYY-MM-DD)",
    ),
    "paid_until_only": (
        "{item}: tanggal berlaku baru (--paid-until) hanya untuk tahap 'renewed'",
        "{item}: the new paid-until date (--paid-until) belongs to the step 'renewed' only",
    ),
    "paid_until_past": (
        "{item}: tanggal berlaku baru {paid_until} tidak lebih akhir dari tanggal perpanjangan {date}",
        "{item}: the new paid-until date {paid_until} is not after the renewal date {date}",
    ),
    "bad_amount": (
        "{item}: jumlah '{value}' harus angka >= 0 (contoh 1500000)",
        "{item}: the amount '{value}' must be a number >= 0 (e.g. 1500000)",
    ),
    "need_who": ("{item}: siapa yang bertindak wajib diisi (--by)", "{item}: who acted is required (--by)"),
}


class WorkflowError(ValueError):
    """A step that cannot be recorded; :meth:`message` says why in Indonesian or English."""

    def __init__(self, key, **values):
        self.key = key
        self.values = values
        super().__init__(self.message("id"))

    def message(self, lang="id"):
        return text(self.key, lang, **self.values)


def text(key, lang="id", **values):
    pair = TEXT[key]
    return (pair[1] if lang == "en" else pair[0]).format(**values)


def stage_label(stage, lang="id"):
    return text("stage." + stage, lang) if ("stage." + str(stage)) in TEXT else str(stage)


def parse_day(value, field="date"):
    """YYYY-MM-DD (text or date) -> date, or WorkflowError naming the field."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return datetime.datetime.strptime(value.strip(), "%Y-%m-%d").date()
        except ValueError:
            pass
    raise WorkflowError("bad_date", field=field, value=value)


def check_step(item, steps, step):
    """The step, normalised (dates as YYYY-MM-DD text, amount as a number), when it may follow
    ``steps`` (the item's earlier steps, oldest first); else WorkflowError."""
    stage = step.get("stage")
    if stage not in STAGES:
        raise WorkflowError("bad_stage", stage=stage, choices=", ".join(STAGES))
    day = parse_day(step.get("date"), "date")
    who = step.get("who")
    if not isinstance(who, str) or not who.strip():
        raise WorkflowError("need_who", item=item)
    last = steps[-1] if steps else None
    expected = (
        "invoice" if last is None or last["stage"] == "renewed" else STAGES[STAGES.index(last["stage"]) + 1]
    )
    if stage != expected:
        if last is None or last["stage"] == "renewed":
            raise WorkflowError("order_first", item=item, stage=stage)
        raise WorkflowError(
            "order", item=item, last=last["stage"], date=last["date"], expected=expected, stage=stage
        )
    if last is not None and day < parse_day(last["date"]):
        raise WorkflowError(
            "earlier", item=item, date=day.isoformat(), last=last["stage"], last_date=last["date"]
        )
    paid_until = step.get("paid_until")
    if stage == "renewed":
        if paid_until in (None, ""):
            raise WorkflowError("need_paid_until", item=item)
        new_date = parse_day(paid_until, "paid_until")
        if new_date <= day:
            raise WorkflowError(
                "paid_until_past", item=item, paid_until=new_date.isoformat(), date=day.isoformat()
            )
        paid_until = new_date.isoformat()
    elif paid_until not in (None, ""):
        raise WorkflowError("paid_until_only", item=item)
    else:
        paid_until = None
    amount = step.get("amount")
    if amount not in (None, ""):
        amount = _amount(item, amount)
    else:
        amount = None
    return {
        "stage": stage,
        "date": day.isoformat(),
        "who": who.strip(),
        "amount": amount,
        "document": step.get("document") or None,
        "paid_until": paid_until,
        "note": step.get("note") or None,
    }


def _amount(item, value):
    if isinstance(value, bool):
        raise WorkflowError("bad_amount", item=item, value=value)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise WorkflowError("bad_amount", item=item, value=value) from None
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise WorkflowError("bad_amount", item=item, value=value)
    return int(value) if float(value).is_integer() else float(value)


def state(steps):
    """Where an item's renewal stands: {"stage", "date", "next", "cycle" (the steps of the current or
    last cycle), "paid_until" (the newest renewed date or None)}; None without steps."""
    if not steps:
        return None
    start = 0
    for index, step in enumerate(steps):
        if step.get("stage") == "invoice":
            start = index
    last = steps[-1]
    renewed = [s["paid_until"] for s in steps if s.get("stage") == "renewed" and s.get("paid_until")]
    stage = last.get("stage")
    return {
        "stage": stage,
        "date": last.get("date"),
        "next": "invoice" if stage == "renewed" or stage not in STAGES else STAGES[STAGES.index(stage) + 1],
        "cycle": list(steps[start:]),
        "paid_until": max(renewed) if renewed else None,
    }


def paid_until(inventory_date, steps):
    """(date, source): the later of the inventory's paid-until date and the newest renewed date of
    ``steps``; source is ``inventory`` or ``workflow``. ``inventory_date`` may be None."""
    current = state(steps)
    recorded = parse_day(current["paid_until"], "paid_until") if current and current["paid_until"] else None
    if recorded is not None and (inventory_date is None or recorded > inventory_date):
        return recorded, "workflow"
    return inventory_date, "inventory"
