"""The court registry: the pn.website.court_registry inventory plugin (through ansible-inventory, as
ansible-playbook, AWX and `sopansible` read it) and `sopansible inventory generate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from sopansible import inventory
from sopansible.cli import main
from sopansible.paths import engine

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "inventories" / "registry"
registry_engine = engine("court_registry")

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
    assert main(["inventory", "generate", str(registry), "--on-invalid", "error", "-o", str(output)]) == 2
    assert not output.exists()
    assert "bad.csv:3" in " ".join(capsys.readouterr().err.split())
    # stdout without -o: a YAML inventory
    assert main(["inventory", "generate", str(EXAMPLE / "courts.csv")]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert "pn-tais" in data["all"]["children"]["courts"]["children"]["court_servers"]["hosts"]
