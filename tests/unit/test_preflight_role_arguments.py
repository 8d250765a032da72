"""The preflight checks the argument specs of the playbook's roles in its one controller action for
the courts of the play (pn.website.court_contract, options roles and courts): a real ansible-playbook
run, as the SOP playbooks run it (the roles imported with rolespec_validate: false)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.unit.playbook_run import run_playbook

INVENTORY = """
courts:
  vars:
    ansible_connection: local
    court_type: PN
    court_domain: pn-a.go.id
  hosts:
    pn-good: {court_name: PN Baik}
    pn-badtype: {court_name: PN Tipe, pn_backup_keep_daily: banyak}
    # templated before the check: the court's type is no number
    pn-templated: {court_name: PN Templat, pn_backup_keep_daily: "{{ court_type }}"}
    # pn_backup_keep_weekly is a default of the backup role, undefined in the preflight's play
    pn-roledefault: {court_name: PN Bawaan, pn_backup_keep_daily: "{{ pn_backup_keep_weekly * 2 }}"}
    # the audit role is not run by this playbook
    pn-unrelated: {court_name: PN Lain, pn_audit_enabled: bukan-bool}
    # pn.website.base requires court_name
    pn-nameless: {}
    # a court value that cannot be templated fails this court only
    pn-untemplatable: {court_name: PN Rusak, court_domain: "{{ nowhere_defined }}"}
"""

PLAYBOOK = """
- name: Validate the inventory
  hosts: courts
  gather_facts: false
  vars:
    pn_preflight_roles: [preflight, backup, 'backup:maintain', pn.website.base]
  tasks:
    - name: Check the court's inventory data and the roles' arguments
      ansible.builtin.import_role:
        name: pn.website.preflight
        rolespec_validate: false

- name: Keep what each court's check said
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Write the checks
      ansible.builtin.copy:
        dest: "{{ checks_file }}"
        mode: "0600"
        content: >-
          {{ hostvars[groups.courts[0]]._pn_preflight_checked.courts | to_json }}
"""


def play(
    tmp_path: Path, inventory: str, playbook: str, *extra: str, **env: str
) -> subprocess.CompletedProcess:
    """ansible-playbook with the project's settings on PLAYBOOK over INVENTORY, in English."""
    (tmp_path / "hosts.yml").write_text(textwrap.dedent(inventory))
    (tmp_path / "play.yml").write_text(playbook)
    return run_playbook(tmp_path, tmp_path / "hosts.yml", tmp_path / "play.yml", *extra, **env)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("preflight_roles")
    proc = play(tmp_path, INVENTORY, PLAYBOOK, "-e", f"checks_file={tmp_path / 'checks.json'}")
    checks = json.loads((tmp_path / "checks.json").read_text())
    for court, check in checks.items():
        check["failed"] = f"fatal: [{court}]" in proc.stdout
    return proc, checks


def role_problems(check: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in check["problems"]:
        if problem["code"] == "role_argument":
            found.setdefault(problem["variable"], []).append(problem["message"])
    return found


def test_a_bad_type_for_a_backup_option_fails_the_court_naming_role_and_variable(run):
    proc, checks = run
    assert checks["pn-badtype"]["failed"] is True
    main, maintain = role_problems(checks["pn-badtype"])["pn_backup_keep_daily"]
    assert main.startswith("does not match the argument spec of role pn.website.backup (main): ")
    assert "argument 'pn_backup_keep_daily' is of type str and we were unable to convert to int" in main
    # both entry points that know the option say so, in the court's one failure
    assert maintain.startswith("does not match the argument spec of role pn.website.backup (maintain): ")
    assert "pn_backup_keep_daily: does not match" in checks["pn-badtype"]["msg"]
    # the court fails with its own problems, the others go on
    failure = " ".join(proc.stdout.split("fatal: [pn-badtype]: FAILED!", 1)[1].split("fatal:", 1)[0].split())
    assert failure.startswith(
        "=> changed: false msg: 'pn_backup_keep_daily: does not match the argument spec"
    )
    assert checks["pn-good"]["failed"] is False


def test_a_valid_court_passes_with_every_roles_check(run):
    _proc, checks = run
    assert checks["pn-good"]["problems"] == []
    assert checks["pn-good"]["failed"] is False


def test_values_are_templated_before_the_check(run):
    _proc, checks = run
    assert "pn_backup_keep_daily" in role_problems(checks["pn-templated"])


def test_a_value_that_refers_to_an_undefined_role_default_is_skipped(run):
    _proc, checks = run
    assert checks["pn-roledefault"]["problems"] == []


def test_an_unrelated_roles_options_are_not_checked(run):
    _proc, checks = run
    assert checks["pn-unrelated"]["problems"] == []


def test_a_required_option_missing_is_reported(run):
    _proc, checks = run
    [message] = role_problems(checks["pn-nameless"])["court_name"]
    assert message == (
        "does not match the argument spec of role pn.website.base (main): "
        "missing required arguments: court_name"
    )


def test_a_value_the_play_sets_is_checked_for_every_court_and_a_hosted_court_is_checked_as_one(tmp_path):
    """What the play sets for every court (a play variable here) is checked with each court's own
    variables, and a court of the shared_hosting group is checked as one (court_hosting allowed)."""
    inventory = """
            courts:
              vars: {ansible_connection: local, court_type: PN, court_domain: pn-a.go.id}
              hosts:
                pn-server: {court_name: PN Server, ansible_host: "-oProxyCommand=true"}
                pn-hosted:
                  court_name: PN Hosted
                  court_hosting: {transfer: ftps, host: ftp.pn-hosted.go.id, user: pnh, password: rahasia}
            shared_hosting:
              hosts:
                pn-hosted:
            """
    playbook = PLAYBOOK.split("\n- name: Keep what each court's check said")[0].replace(
        "pn_preflight_roles: [preflight, backup, 'backup:maintain', pn.website.base]",
        "pn_preflight_roles: [backup]\n    pn_backup_keep_daily: setiap hari",
    )
    proc = play(tmp_path, inventory, playbook, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    # the JSON document, then the line the history callback prints
    run = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])[0]
    tasks = {task["task"]["name"]: task["hosts"] for task in run["plays"][0]["tasks"]}
    [checked] = tasks["pn.website.preflight : Check the courts' inventory data against the contract"].values()
    stopped = tasks["pn.website.preflight : Stop a court whose inventory data breaks the contract"]
    for court in ("pn-server", "pn-hosted"):
        assert "pn_backup_keep_daily" in role_problems(checked["courts"][court]), court
        assert stopped[court]["failed"] is True
    variables = {problem["variable"] for problem in checked["courts"]["pn-server"]["problems"]}
    assert "ansible_host" in variables  # the court's own value, in its own check
    # court_hosting is allowed for a court of the shared_hosting group only: checked as one
    assert {problem["variable"] for problem in checked["courts"]["pn-hosted"]["problems"]} == {
        "pn_backup_keep_daily"
    }


def test_a_court_value_that_cannot_be_templated_fails_that_court_only(run):
    proc, checks = run
    [problem] = [p for p in checks["pn-untemplatable"]["problems"] if p["code"] == "template"]
    assert problem["variable"] == "court_domain"
    assert problem["message"].startswith("its value cannot be templated: ")
    assert "nowhere_defined" in problem["message"]
    assert checks["pn-untemplatable"]["failed"] is True and checks["pn-good"]["failed"] is False
