"""The court registry: the pn.website.court_registry inventory plugin (through ansible-inventory, as
ansible-playbook, AWX and `sopansible` read it) and `sopansible inventory generate`."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from ansible_collections.pn.website.plugins.module_utils.inventory import court_registry as registry_engine
from sopansible import inventory
from sopansible.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "registry"

BAD_CSV = """\
name,court_name,type,region,domain,hosting,address,webserver,hostnames
pn-good,Pengadilan Negeri Baik,PN,PT Bengkulu,pn-good.go.id,server,192.0.2.1,nginx,pn-good.go.id
pn-badtype,Pengadilan Negeri Salah,PX,PT Bengkulu,pn-salah.go.id,server,192.0.2.2,nginx,
,Pengadilan Tanpa Nama,PN,PT Bengkulu,pn-anon.go.id,server,192.0.2.3,nginx,
pn-good,Pengadilan Negeri Kembar,PN,PT Bengkulu,pn-kembar.go.id,server,192.0.2.4,nginx,
pn-shared,Pengadilan Negeri Bersama,PN,PT Surabaya,pn-bersama.go.id,shared,,,
pn-baddomain,Pengadilan Negeri Domain,PN,PT Surabaya,bukan domain,server,192.0.2.5,iis,
"""


def ansible_inventory(source: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        # a fact cache of its own: cached facts of other runs must not leak into the listing
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"),
        ANSIBLE_INVENTORY_UNPARSED_FAILED="true",
        ANSIBLE_NOCOLOR="1",
    )
    command = [str(Path(sys.executable).with_name("ansible-inventory")), "-i", str(source), "--list", *extra]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)


def write_config(directory: Path, registry: str, **options: str) -> Path:
    config = directory / "pn_registry.yml"
    lines = ["plugin: pn.website.court_registry", f"registry: {registry}"]
    lines += [f"{key}: {value}" for key, value in options.items()]
    config.write_text("\n".join(lines) + "\n")
    return config


def members(listing: dict, group: str) -> set[str]:
    entry = listing.get(group, {})
    hosts = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts |= members(listing, child)
    return hosts


def test_example_registry_builds_the_fleet_inventory(tmp_path):
    proc = ansible_inventory(EXAMPLE / "pn_registry.yml", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "court_registry" not in proc.stderr  # no problem reported for the example
    listing = json.loads(proc.stdout)
    hostvars = listing["_meta"]["hostvars"]
    courts = members(listing, "courts")
    assert len(courts) == 12
    assert members(listing, "shared_hosting") == {"pn-manna", "pn-arga-makmur", "pn-atambua"}
    assert members(listing, "court_servers") == courts - members(listing, "shared_hosting")
    assert members(listing, "region_pt_bengkulu") == {
        "pt-bengkulu",
        "pn-bengkulu",
        "pn-tais",
        "pn-curup",
        "pn-manna",
        "pn-arga-makmur",
    }
    assert members(listing, "type_pa") == {"pa-bengkulu"}
    assert members(listing, "type_ptun") == {"ptun-surabaya"}
    # keyed_groups of the constructed fragment work on registry columns
    assert "pn-tais" in members(listing, "webserver_nginx")
    assert "pn-bangil" in members(listing, "webserver_apache")
    tais = hostvars["pn-tais"]
    assert tais["court_name"] == "Pengadilan Negeri Tais"  # plain values, not wrapped as unsafe
    assert tais["court_hostnames"] == ["pn-tais.go.id", "www.pn-tais.go.id", "sipp.pn-tais.go.id"]
    assert tais["ansible_host"] == "192.0.2.12"
    assert "ansible_host" not in hostvars["pn-manna"]


def test_example_registry_passes_the_inventory_check(capsys):
    assert main(["inventory", "check", "-i", str(EXAMPLE / "pn_registry.yml"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"courts": 12, "problems": []}


def test_bad_rows_are_reported_by_line_and_field_and_the_others_stay(tmp_path):
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    proc = ansible_inventory(write_config(tmp_path, "bad.csv"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = " ".join(proc.stderr.split())  # the warning display wraps long lines
    assert "bad.csv:3 (pn-badtype): court_type: unknown value 'PX'" in warnings
    assert "bad.csv:4: name: column 'name' (inventory host) is required" in warnings
    assert "bad.csv:5 (pn-good): name: host name 'pn-good' already used at bad.csv:2" in warnings
    assert "bad.csv:7 (pn-baddomain): court_domain: 'bukan domain' is not a valid host name" in warnings
    assert "bad.csv:7 (pn-baddomain): court_webserver: unknown value 'iis'" in warnings
    listing = json.loads(proc.stdout)
    assert members(listing, "courts") == {"pn-good", "pn-badtype", "pn-shared", "pn-baddomain"}
    # the first row of a repeated name wins
    assert listing["_meta"]["hostvars"]["pn-good"]["court_name"] == "Pengadilan Negeri Baik"
    # kept, but marked: the preflight role fails them in every run, with the variable named
    assert members(listing, "registry_invalid") == {"pn-badtype", "pn-baddomain"}
    assert "type_px" not in listing


def test_on_invalid_skip_and_error(tmp_path):
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    skipped = ansible_inventory(write_config(tmp_path, "bad.csv", on_invalid="skip"), tmp_path)
    assert skipped.returncode == 0, skipped.stderr
    assert members(json.loads(skipped.stdout), "courts") == {"pn-good", "pn-shared"}
    failed = ansible_inventory(write_config(tmp_path, "bad.csv", on_invalid="error"), tmp_path)
    assert failed.returncode != 0
    assert "problems in the court registry" in failed.stderr


def test_yaml_registry_with_structured_values(tmp_path):
    (tmp_path / "courts.yml").write_text(
        textwrap.dedent(
            """
            courts:
              - name: pn-tais
                court_name: Pengadilan Negeri Tais
                type: PN
                region: PT Bengkulu
                domain: pn-tais.go.id
                address: 192.0.2.12
                port: 2222
                hostnames: [pn-tais.go.id, www.pn-tais.go.id]
                court_services:
                  - {kind: hosting, provider: VPS Lokal, paid_until: "2027-03-31"}
              - name: pn-curup
                court_name: Pengadilan Negeri Curup
                type: PN
                region: PT Bengkulu
                domain: pn-curup.go.id
                court_services:
                  - {kind: hosting, provider: VPS Lokal, paid_until: "2027-02-30"}
            """
        )
    )
    proc = ansible_inventory(write_config(tmp_path, "courts.yml"), tmp_path)
    assert proc.returncode == 0, proc.stderr
    warnings = " ".join(proc.stderr.split())
    assert "courts.yml #2 (pn-curup): court_services[0].paid_until:" in warnings
    assert "courts.yml #1" not in warnings
    hostvars = json.loads(proc.stdout)["_meta"]["hostvars"]
    assert hostvars["pn-tais"]["ansible_port"] == 2222
    assert hostvars["pn-tais"]["court_services"][0]["provider"] == "VPS Lokal"


def test_engine_reads_semicolon_csv_with_bom_and_refuses_templates():
    text = (
        "\ufeffname;court_name;type;region;domain;hostnames;court_content_max_age_days;court_keyword\n"
        "pn-a;Pengadilan Negeri A;pn;PT Medan;pn-a.go.id;pn-a.go.id|www.pn-a.go.id;21;\n"
        "pn-b;Pengadilan Negeri B;PN;PT Medan;pn-b.go.id;;x;{{ lookup('pipe', 'id') }}\n"
    )
    registry = registry_engine.build(registry_engine.read_rows(text, "daftar.csv"))
    assert registry.hosts["pn-a"]["court_hostnames"] == ["pn-a.go.id", "www.pn-a.go.id"]
    assert registry.hosts["pn-a"]["court_content_max_age_days"] == 21
    assert "type_pn" in registry.groups and "pn-a" in registry.groups["type_pn"]
    fields = {(p.where, p.field, p.code) for p in registry.problems}
    assert fields == {
        ("daftar.csv:3", "court_content_max_age_days", "integer"),
        ("daftar.csv:3", "court_keyword", "template"),
    }
    assert "court_keyword" not in registry.hosts["pn-b"]


def test_unreadable_registry_is_a_clear_error(tmp_path):
    (tmp_path / "courts.yml").write_text("name: not a list\n")
    with pytest.raises(registry_engine.RegistryError, match="list of courts"):
        registry_engine.load(tmp_path / "courts.yml")
    with pytest.raises(registry_engine.RegistryError, match="registry cannot be read"):
        registry_engine.load(tmp_path / "missing.csv")
    proc = ansible_inventory(write_config(tmp_path, "missing.csv"), tmp_path)
    assert proc.returncode != 0
    assert "missing.csv" in proc.stderr


def test_generate_writes_the_same_inventory_as_the_plugin(tmp_path, capsys):
    output = tmp_path / "fleet" / "hosts.yml"
    code = main(["inventory", "generate", str(EXAMPLE / "courts.csv"), "-o", str(output), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["courts"] == 12 and summary["problems"] == [] and summary["written"]
    assert summary["groups"]["shared_hosting"] == 3
    assert output.stat().st_mode & 0o777 == 0o640
    generated = inventory.load(output)
    from_plugin = inventory.load(EXAMPLE / "pn_registry.yml")
    assert generated.courts == from_plugin.courts
    for host in generated.courts:
        assert generated.court_vars(host) == from_plugin.court_vars(host)
    for group in ("court_servers", "shared_hosting", "region_pt_kupang", "type_pt"):
        assert generated.groups[group] == from_plugin.groups[group]


def test_generate_reports_bad_rows_and_error_mode_writes_nothing(tmp_path, capsys):
    registry = tmp_path / "bad.csv"
    registry.write_text(BAD_CSV)
    assert main(["--lang", "en", "inventory", "generate", str(registry), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["courts"] == 4
    assert summary["invalid"] == ["pn-baddomain", "pn-badtype"]
    assert {"where": "bad.csv:3", "host": "pn-badtype", "field": "court_type"}.items() <= next(
        p for p in summary["problems"] if p["host"] == "pn-badtype"
    ).items()
    output = tmp_path / "hosts.yml"
    assert main(["inventory", "generate", str(registry), "--on-invalid", "error", "-o", str(output)]) == 4
    assert not output.exists()
    assert "bad.csv:3" in " ".join(capsys.readouterr().err.split())
    # stdout without -o: a YAML inventory
    assert main(["inventory", "generate", str(EXAMPLE / "courts.csv")]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert "pn-tais" in data["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]


GOOD_ROW = {
    "name": "pn-good",
    "court_name": "Pengadilan Negeri Baik",
    "type": "PN",
    "region": "PT Bengkulu",
    "domain": "pn-good.go.id",
    "address": "127.0.0.1",
}


def write_csv(path: Path, rows: list[dict]) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_registry_row_cannot_run_code_on_the_controller(tmp_path):
    """A row's ssh arguments would be run by ssh on the controller at the next Ansible call."""
    marker = tmp_path / "ran-on-the-controller"
    port = free_loopback_port()
    evil = {
        **GOOD_ROW,
        "name": "pn-evil",
        "domain": "pn-evil.go.id",
        "port": str(port),
        "ansible_ssh_common_args": f"-o 'ProxyCommand=touch {marker}'",
    }
    write_csv(tmp_path / "courts.csv", [{**GOOD_ROW, "port": str(port)}, evil])
    config = write_config(tmp_path, "courts.csv")
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_HOST_KEY_CHECKING="false",
        ANSIBLE_TIMEOUT="5",
    )
    command = [str(Path(sys.executable).with_name("ansible")), "-i", str(config), "pn-evil", "-m", "ping"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert "UNREACHABLE" in proc.stdout  # the connection was tried (a closed loopback port) ...
    assert not marker.exists()  # ... without the registry's ProxyCommand
    warnings = " ".join(proc.stderr.split())
    assert (
        "courts.csv:3 (pn-evil): ansible_ssh_common_args: column 'ansible_ssh_common_args' may not"
        in warnings
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ansible_ssh_common_args", "-o ProxyCommand=id"),
        ("ansible_ssh_extra_args", "-o ProxyCommand=id"),
        ("ansible_ssh_executable", "/tmp/evil"),
        ("ansible_python_interpreter", "/tmp/evil"),
        ("ansible_connection", "local"),
        ("ansible_shell_executable", "/tmp/evil"),
        ("ansible_become_exe", "/tmp/evil"),
        ("ansible_become_flags", "-H -S -n; id"),
        ("ansible_sftp_extra_args", "-o ProxyCommand=id"),
        ("ansible_ssh_private_key_file", "/root/.ssh/id_ed25519"),
        ("ANSIBLE_SSH_COMMON_ARGS", "-o ProxyCommand=id"),
        ("pn_renewal_state_file", "/etc/cron.d/renewals"),
        ("pn_backup_paths", "[/etc/shadow]"),
    ],
)
def test_registry_refuses_ansible_options_and_role_settings(column, value):
    rows = [("r.csv:2", dict(GOOD_ROW)), ("r.csv:3", {**GOOD_ROW, "name": "pn-bad", column: value})]
    kept = registry_engine.build(rows, on_invalid="keep")
    assert [(p.where, p.host, p.field, p.code) for p in kept.problems] == [
        ("r.csv:3", "pn-bad", column.lower(), "forbidden")
    ]
    assert column.lower() in kept.problems[0].line("en") and "r.csv:3 (pn-bad)" in kept.problems[0].line("en")
    assert column.lower() not in kept.hosts["pn-bad"]
    assert kept.groups["registry_invalid"] == ["pn-bad"]
    assert "pn-good" not in kept.invalid
    skipped = registry_engine.build(rows, on_invalid="skip")
    assert list(skipped.hosts) == ["pn-good"]


def test_registry_connection_values_must_be_plain():
    rows = [
        ("r.csv:2", {**GOOD_ROW, "name": "pn-a", "address": "-oProxyCommand=touch /tmp/x"}),
        ("r.csv:3", {**GOOD_ROW, "name": "pn-b", "user": "sopadmin -oProxyCommand=x"}),
        ("r.csv:4", {**GOOD_ROW, "name": "pn-c", "port": "0"}),
        ("r.csv:5", {**GOOD_ROW, "name": "pn-d", "ansible_host": "192.0.2.4", "ansible_user": "sopadmin"}),
        ("r.csv:6", {**GOOD_ROW, "name": "pn-e", "webroot": "/var/www/../../etc"}),
    ]
    registry = registry_engine.build(rows)
    assert {(p.host, p.field) for p in registry.problems} == {
        ("pn-a", "ansible_host"),
        ("pn-b", "ansible_user"),
        ("pn-c", "ansible_port"),
        ("pn-e", "court_webroot"),
    }
    assert registry.hosts["pn-d"]["ansible_host"] == "192.0.2.4"
    assert registry.invalid == {"pn-a", "pn-b", "pn-c", "pn-e"}


def billion_laughs(levels: int) -> str:
    lines = ["courts:", "  - name: pn-a", "    court_name: Pengadilan Negeri A", "    type: PN"]
    lines.append("    court_services: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]")
    for level in range(1, levels):
        lines.append(f"    court_contacts: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_registry_yaml_bomb_and_oversized_registries_are_refused(tmp_path):
    # a million strings from a few hundred bytes: refused at the first alias, before any expansion
    bomb = tmp_path / "courts.yml"
    bomb.write_text(billion_laughs(6))
    with pytest.raises(registry_engine.RegistryError, match=r"courts.yml: .*aliases are not allowed"):
        registry_engine.load(bomb)
    proc = ansible_inventory(write_config(tmp_path, "courts.yml"), tmp_path)
    assert proc.returncode != 0 and "aliases are not allowed" in proc.stderr
    # the same inside a CSV cell read as YAML
    cell = "[&a [lol, lol, lol], *a, *a, *a]"
    registry = registry_engine.build([("r.csv:2", {**GOOD_ROW, "court_hostnames": cell})])
    assert [(p.field, p.code) for p in registry.problems] == [("court_hostnames", "structure")]
    deep = tmp_path / "deep.yml"
    deep.write_text("courts: " + "[" * 100 + "]" * 100 + "\n")
    with pytest.raises(registry_engine.RegistryError, match="nested deeper"):
        registry_engine.load(deep)
    big = tmp_path / "big.csv"
    row = "pn-x,Pengadilan Negeri X,PN,PT X,pn-x.go.id\n"
    big.write_text("name,court_name,type,region,domain\n" + row * (registry_engine.MAX_BYTES // len(row) + 1))
    with pytest.raises(registry_engine.RegistryError, match="registry larger than 8 MiB"):
        registry_engine.load(big)


def test_generate_refuses_the_column_and_check_flags_it(tmp_path, capsys):
    evil = {**GOOD_ROW, "name": "pn-evil", "ansible_ssh_common_args": "-o ProxyCommand=id"}
    registry = write_csv(tmp_path / "courts.csv", [GOOD_ROW, evil])
    output = tmp_path / "hosts.yml"
    assert main(["--lang", "en", "inventory", "generate", str(registry), "-o", str(output), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["invalid"] == ["pn-evil"]
    (problem,) = summary["problems"]
    assert problem["where"] == "courts.csv:3" and problem["host"] == "pn-evil"
    assert problem["field"] == "ansible_ssh_common_args" and problem["code"] == "forbidden"
    assert "ProxyCommand" not in output.read_text()

    # `inventory check` of the registry source names the row and the column
    config = write_config(tmp_path, "courts.csv")
    assert main(["--lang", "en", "inventory", "check", "-i", str(config), "--json"]) == 4
    report = json.loads(capsys.readouterr().out)
    assert [(p["host"], p["variable"], p["code"]) for p in report["problems"]] == [
        ("pn-evil", "ansible_ssh_common_args", "forbidden")
    ]
    assert report["problems"][0]["message"].startswith("courts.csv:3: column 'ansible_ssh_common_args'")

    # ... and so does the check of an inventory an older generator wrote with the option in it
    old = yaml.safe_load(output.read_text())
    hosts = old["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
    hosts["pn-evil"]["ansible_ssh_common_args"] = "-o ProxyCommand=id"
    output.write_text(inventory.GENERATED_HEADER + " dari courts.csv\n" + yaml.safe_dump(old))
    assert main(["--lang", "en", "inventory", "check", "-i", str(output), "--json"]) == 4
    report = json.loads(capsys.readouterr().out)
    assert [(p["host"], p["variable"], p["code"]) for p in report["problems"]] == [
        ("pn-evil", "ansible_ssh_common_args", "forbidden")
    ]

    # the team's own connection options (not from a registry) are its own business
    output.write_text(yaml.safe_dump(old))
    assert main(["inventory", "check", "-i", str(output), "--json"]) == 0
