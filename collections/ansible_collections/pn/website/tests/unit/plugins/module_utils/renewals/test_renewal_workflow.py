# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The W4 renewal workflow by people: its order, and the paid-until date the renewal checks read."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.pn.website.plugins.module_utils.renewals import renewal_workflow, renewals

TODAY = datetime.date(2026, 11, 23)
OFF = {"check_domain": False, "check_tls": False}
HOSTING = {"kind": "hosting", "provider": "PT Awan", "service": "VPS", "paid_until": "2026-12-01"}
ITEM = "hosting:pt-awan:vps"


def steps(*stages, paid_until="2027-12-01"):
    out = []
    for index, stage in enumerate(stages):
        step = {"stage": stage, "date": "2026-11-%02d" % (index + 1), "who": "Budi"}
        if stage == "renewed":
            step["paid_until"] = paid_until
        out.append(renewal_workflow.check_step(ITEM, out, step))
    return out


def check(services, workflow=None):
    court = {"court_name": "PN Tais", "court_services": services}
    options = dict(OFF, workflow=workflow or {})
    return renewals.check_court(court, {}, court_id="pn-tais", today=TODAY, options=options)


def test_the_item_id_is_the_one_the_checks_report():
    assert renewals.contract_item_id(HOSTING) == ITEM
    assert check([HOSTING])["items"][0]["id"] == ITEM


def test_a_recorded_renewal_moves_the_paid_until_date():
    before = check([HOSTING])
    assert before["status"] == "warning" and before["items"][0]["days_left"] == 8
    after = check([HOSTING], {ITEM: steps("invoice", "requested", "paid", "renewed")})
    item = after["items"][0]
    assert (item["date"], item["paid_until_source"], after["status"]) == ("2027-12-01", "workflow", "ok")
    assert item["workflow"]["stage"] == "renewed" and item["workflow"]["next"] == "invoice"


def test_a_renewal_under_way_does_not_move_the_date_and_shows_where_it_stands():
    result = check([HOSTING], {ITEM: steps("invoice", "requested")})
    item = result["items"][0]
    assert (item["date"], item["paid_until_source"]) == ("2026-12-01", "inventory")
    assert (item["workflow"]["stage"], item["workflow"]["next"]) == ("requested", "paid")


def test_the_inventory_stays_the_starting_point_when_it_is_later():
    later = dict(HOSTING, paid_until="2028-06-30")
    item = check([later], {ITEM: steps("invoice", "requested", "paid", "renewed")})["items"][0]
    assert (item["date"], item["paid_until_source"]) == ("2028-06-30", "inventory")


def test_a_bad_recorded_date_is_a_finding_not_a_crash():
    bad = [{"stage": "renewed", "date": "2026-11-01", "who": "x", "paid_until": "01/12/2027"}]
    result = check([HOSTING], {ITEM: bad})
    assert [f["rule"] for f in result["findings"]] == ["contract-invalid"]


@pytest.mark.parametrize("stage", renewal_workflow.STAGES)
def test_every_stage_has_a_label_in_both_languages(stage):
    assert renewal_workflow.stage_label(stage, "id") != renewal_workflow.stage_label(stage, "en")
