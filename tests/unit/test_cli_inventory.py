"""`sopansible inventory check` on real inventories read by ansible-inventory."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from sopansible import inventory
from sopansible.cli import main
from tests.unit.playbook_run import run_playbook

ROOT = Path(__file__).resolve().parents[2]


def write_inventory(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hosts.yml"
    path.write_text(textwrap.dedent(text))
    return path


def test_example_inventory_is_valid(capsys):
    assert main(["inventory", "check", "-i", str(ROOT / "inventories" / "example"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"courts": 7, "problems": []}


def test_every_problem_names_host_and_variable(tmp_path, capsys):
    inventory = write_inventory(
        tmp_path,
        """
        all:
          children:
            courts:
              children:
                court_servers:
                  hosts:
                    pn-good:
                      court_name: Pengadilan Negeri Baik
                      court_type: PN
                      court_domain: pn-baik.go.id
                    pn-bad:
                      court_name: Pengadilan Negeri Salah
                      court_type: PN
                      court_url: "ftp://pn-salah.go.id"
                      court_cms: drupal
                      court_services:
                        - {kind: hosting, provider: VPS, paid_until: "2027-02-30"}
                shared_hosting:
                  hosts:
                    pn-shared:
                      court_name: Pengadilan Negeri Bersama
                      court_type: PN
                      court_domain: pn-bersama.go.id
                      court_webserver: iis
        """,
    )
    assert main(["--lang", "en", "inventory", "check", "-i", str(inventory), "--json"]) == 4
    report = json.loads(capsys.readouterr().out)
    found = {(p["host"], p["variable"], p["code"]) for p in report["problems"]}
    assert found == {
        ("pn-bad", "court_domain", "missing"),
        ("pn-bad", "court_url", "url"),
        ("pn-bad", "court_cms", "choice"),
        ("pn-bad", "court_services[0].paid_until", "date"),
    }
    assert report["courts"] == 3


def test_group_vars_are_applied(tmp_path, capsys):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "courts.yml").write_text("court_type: PN\ncourt_cms: joomla\n")
    write_inventory(
        tmp_path,
        """
        courts:
          hosts:
            pn-a: {court_name: PN A, court_domain: pn-a.go.id}
        """,
    )
    assert main(["inventory", "check", "-i", str(tmp_path / "hosts.yml")]) == 0


def test_unreadable_inventory_is_a_clear_error(tmp_path, capsys):
    broken = write_inventory(tmp_path, "all: [this is: not valid\n")
    assert main(["inventory", "check", "-i", str(broken)]) == 4
    assert "hosts.yml" in capsys.readouterr().err.replace("\n", "")  # the console wraps long lines (the path)
    assert main(["inventory", "check", "-i", str(tmp_path / "missing.yml")]) == 4
    assert "not found" in capsys.readouterr().err


def test_secrets_never_leave_the_inventory():
    from sopansible.inventory import redact

    court = {
        "court_name": "PN A",
        "court_db": {"engine": "mariadb", "password": "rahasia", "user": "web"},
        "court_backup_targets": [
            {"type": "s3", "location": "s3:http://x/b", "secret_key": "s", "access_key": "a"}
        ],
        "court_api_token": "t",
        "court_smtp": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n3133"},
    }
    public = redact(court)
    assert public == {
        "court_name": "PN A",
        "court_db": {"engine": "mariadb", "user": "web"},
        "court_backup_targets": [{"type": "s3", "location": "s3:http://x/b"}],
        "court_smtp": None,
    }
    assert "rahasia" not in repr(public)


def alias_bomb(levels: int) -> str:
    """A court whose variables are a few hundred bytes of YAML and 10**LEVELS strings once expanded."""
    lines = [
        "courts:",
        "  hosts:",
        "    pn-a:",
        "      court_name: Pengadilan Negeri A",
        "      court_type: PN",
        "      court_domain: pn-a.go.id",
        "      court_l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    for level in range(1, levels):
        lines.append(f"      court_l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_a_yaml_bomb_stops_at_the_timeout(tmp_path, capsys, monkeypatch):
    # 10**9 strings: ansible-inventory would expand them for hours, with the memory growing
    bomb = write_inventory(tmp_path, alias_bomb(9))
    monkeypatch.setenv("SOPANSIBLE_INVENTORY_TIMEOUT", "15")
    assert main(["--lang", "en", "inventory", "check", "-i", str(bomb)]) == 4
    error = capsys.readouterr().err.replace("\n", "")  # the console wraps long lines (the path)
    assert "did not finish within 15 s" in error and str(bomb) in error
    assert "SOPANSIBLE_INVENTORY_TIMEOUT" in error
    monkeypatch.setenv("SOPANSIBLE_INVENTORY_TIMEOUT", "soon")
    assert main(["inventory", "check", "-i", str(bomb)]) == 4
    assert "must be seconds" in capsys.readouterr().err


def test_a_listing_beyond_the_bound_is_not_read(tmp_path):
    # 10**5 strings: a listing of about 5 MiB, more than this bound of 1 MiB
    bomb = write_inventory(tmp_path, alias_bomb(5))
    with pytest.raises(inventory.InventoryError, match="listing larger than 1 MiB"):
        inventory.load(bomb, max_listing=1024 * 1024)


def test_connection_values_and_host_names_are_checked(tmp_path, capsys):
    hosts = write_inventory(
        tmp_path,
        """
        courts:
          vars: {court_type: PN, court_name: PN A, court_domain: pn-a.go.id}
          hosts:
            pn-a: {ansible_host: "-oProxyCommand=touch /tmp/x"}
            pn-b: {ansible_user: "sopadmin -oProxyCommand=x", ansible_port: 70000}
            "pn-c;id": {}
            pn-d: {ansible_host: 192.0.2.4, ansible_user: sopadmin, ansible_port: 2222}
        """,
    )
    assert main(["--lang", "en", "inventory", "check", "-i", str(hosts), "--json"]) == 4
    found = {(p["host"], p["variable"], p["code"]) for p in json.loads(capsys.readouterr().out)["problems"]}
    assert found == {
        ("pn-a", "ansible_host", "address"),
        ("pn-b", "ansible_user", "user"),
        ("pn-b", "ansible_port", "port"),
        ("pn-c;id", "inventory_hostname", "inventory_host"),
    }


def test_the_preflight_role_stops_a_court_whose_address_is_an_ssh_option(tmp_path):
    """The same rule in every playbook run (the court_contract action, on the controller)."""
    hosts = write_inventory(
        tmp_path,
        """
        courts:
          vars: {court_type: PN, court_name: PN A, court_domain: pn-a.go.id, ansible_connection: local}
          hosts:
            pn-a: {ansible_host: 192.0.2.4, ansible_user: sopadmin}
            pn-b: {ansible_host: "-oProxyCommand=touch /tmp/pn-website-pwned"}
        """,
    )
    playbook = tmp_path / "preflight.yml"
    playbook.write_text("- hosts: courts\n  gather_facts: false\n  roles: [pn.website.preflight]\n")
    proc = run_playbook(tmp_path, hosts, playbook)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    recap = {line.split()[0]: line for line in proc.stdout.splitlines() if " : ok=" in line}
    assert "failed=0" in recap["pn-a"] and "failed=1" in recap["pn-b"]
    output = " ".join((proc.stdout + proc.stderr).split())
    assert "ansible_host: '-oProxyCommand=touch /tmp/pn-website-pwned' is not a valid host name" in output


def test_a_court_that_passed_yesterday_is_validated_again_today(tmp_path):
    """A court that passed an earlier run (facts cached for 24 hours) is checked again: an address
    changed since then into an ssh option is stopped, not skipped as already validated."""
    courts = """
        courts:
          vars: {{court_type: PN, court_name: PN A, court_domain: pn-a.go.id, ansible_connection: local}}
          hosts:
            pn-a: {{ansible_host: 192.0.2.4, ansible_user: sopadmin}}
            pn-b: {{ansible_host: "{address}"}}
        """
    playbook = tmp_path / "preflight.yml"
    playbook.write_text("- hosts: courts\n  gather_facts: false\n  roles: [pn.website.preflight]\n")
    hosts = write_inventory(tmp_path, courts.format(address="192.0.2.5"))
    first = run_playbook(tmp_path, hosts, playbook)
    assert first.returncode == 0, first.stdout + first.stderr
    hosts = write_inventory(tmp_path, courts.format(address="-oProxyCommand=touch /tmp/pn-website-pwned"))
    proc = run_playbook(tmp_path, hosts, playbook)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    recap = {line.split()[0]: line for line in proc.stdout.splitlines() if " : ok=" in line}
    assert "failed=0" in recap["pn-a"] and "failed=1" in recap["pn-b"]
    output = " ".join((proc.stdout + proc.stderr).split())
    assert "ansible_host: '-oProxyCommand=touch /tmp/pn-website-pwned' is not a valid host name" in output


def _cycle_run(tmp_path: Path, first: str, second: str) -> subprocess.CompletedProcess:
    """A cycle of two activities (a preflight play and a work play each), the first over the hosts
    FIRST, the second over SECOND: pn-a's data is valid, pn-b's address is an ssh option."""
    hosts = write_inventory(
        tmp_path,
        """
        courts:
          vars: {court_type: PN, court_name: PN A, court_domain: pn-a.go.id, ansible_connection: local}
          hosts:
            pn-a: {ansible_host: 192.0.2.4, ansible_user: sopadmin}
            pn-b: {ansible_host: "-oProxyCommand=touch /tmp/pn-website-pwned"}
        """,
    )
    activity = (
        "- hosts: '{{ activity_hosts }}'\n  gather_facts: false\n  roles: [pn.website.preflight]\n"
        "- hosts: '{{ activity_hosts }}'\n  gather_facts: false\n  tasks:\n"
        "    - name: Work on the court\n"
        "      ansible.builtin.debug: {msg: 'working on {{ inventory_hostname }}'}\n"
    )
    (tmp_path / "activity.yml").write_text(activity)
    playbook = tmp_path / "cycle.yml"
    playbook.write_text(
        f"- {{name: First activity, ansible.builtin.import_playbook: activity.yml,\n"
        f"   vars: {{activity_hosts: {first}}}}}\n"
        f"- {{name: Second activity, ansible.builtin.import_playbook: activity.yml,\n"
        f"   vars: {{activity_hosts: {second}}}}}\n"
    )
    return run_playbook(tmp_path, hosts, playbook)


def test_a_cycle_validates_each_court_once_and_leaves_a_bad_one_out(tmp_path):
    """In a cycle (several SOP playbooks in one run) the contract is checked in the first play only;
    a court that failed it takes no part in the later plays."""
    proc = _cycle_run(tmp_path, "courts", "courts")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout.count("fatal: [pn-b]") == 1  # pn-b failed once, then left out
    assert proc.stdout.count("working on pn-a") == 2 and "working on pn-b" not in proc.stdout
    # the second activity's preflight starts no check: pn-a was checked in this run, pn-b is left out
    assert proc.stdout.count("TASK [pn.website.preflight : Check the courts' inventory data") == 1


def test_a_later_activity_checks_the_courts_the_first_one_left_out(tmp_path):
    """The preflight play ends once for all its courts when their data is valid (no task per court);
    a later activity over more courts checks the ones not checked yet, and fails only the bad one."""
    proc = _cycle_run(tmp_path, "pn-a", "courts")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout.count("TASK [pn.website.preflight : Check the courts' inventory data") == 2
    assert proc.stdout.count("fatal: [pn-b]") == 1
    assert proc.stdout.count("working on pn-a") == 2 and "working on pn-b" not in proc.stdout
    # The first preflight play ended for all its courts at once, the second (a bad court in it) let
    # the valid court leave the role on its own.
    first, _work, second, _work = proc.stdout.split("\nPLAY [")[1:]
    assert "Leave the play, every court's data is valid" in first and "Leave the role" not in first
    assert "Leave the role, the court's data is valid" in second
