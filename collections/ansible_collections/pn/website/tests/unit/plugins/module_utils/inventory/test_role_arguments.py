"""The roles' argument checks that the preflight runs in its one controller action per court."""

from __future__ import annotations

import pytest

from ansible_collections.pn.website.plugins.module_utils.inventory import role_arguments
from ansible_collections.pn.website.plugins.module_utils.inventory.role_arguments import (
    RoleSpecError,
    option_names,
    parse_role,
    validate_role,
)


def test_a_bad_type_for_a_backup_option_names_the_variable():
    found = validate_role("backup", {"pn_backup_keep_daily": "banyak"})
    assert [variable for variable, _message in found] == ["pn_backup_keep_daily"]
    assert "we were unable to convert to int" in found[0][1]


def test_the_entry_point_decides_the_spec():
    # the cron hour belongs to main, the controller's folder to hosted: the caller hands over only
    # the options of the entry point
    assert "pn_backup_cron_hour" in option_names("backup")
    assert "pn_backup_cron_hour" not in option_names("pn.website.backup:hosted")
    assert "pn_backup_hosted_dir" in option_names("backup:hosted")
    assert dict(validate_role("backup:hosted", {"pn_backup_targets": ["hdd"]}))["pn_backup_targets"]


def test_a_required_option_missing_is_reported():
    found = dict(validate_role("base", {"court_domain": "pn-tais.go.id"}))
    assert list(found) == ["court_name"]
    assert "missing required arguments: court_name" in found["court_name"]


def test_a_required_option_the_role_defaults_set_is_not_missing():
    """pn_restore_drill_host is required, and the role's defaults give it (""): in the role's own check
    the default is among the variables; the drill itself says what is wrong with an empty one."""
    assert validate_role("restore:drill", {}) == []
    assert validate_role("restore:drill", {"pn_restore_drill_host": "dr-1"}) == []


def test_a_spec_default_the_role_defaults_replace_is_not_applied():
    """The spec says pn_backup_targets defaults to "{{ court_backup_targets }}" (documentation): the
    role's defaults give the real value, so the spec's text is never validated as a list of dicts."""
    assert validate_role("backup", {}) == []
    bad = dict(validate_role("backup", {"pn_backup_targets": ["hdd"]}))
    assert list(bad) == ["pn_backup_targets"]


def test_only_the_listed_roles_options_are_taken():
    assert not any(name.startswith("pn_audit_") for name in option_names("backup"))
    assert validate_role("audit", {"pn_audit_enabled": "bukan-bool"})


@pytest.mark.parametrize(
    "item",
    ["nothere", "backup:nothere", "../backup", "backup/../../x", "other.coll.backup", "", 7, "backup:main:x"],
)
def test_only_this_collections_roles_and_entry_points(item):
    with pytest.raises(RoleSpecError):
        option_names(item)


def test_names():
    assert parse_role("pn.website.backup:hosted") == ("backup", "hosted")
    assert parse_role("logs") == ("logs", "main")


def test_each_spec_file_is_read_once(monkeypatch):
    role_arguments.role_spec.cache_clear()
    reads = []
    original = role_arguments._read_yaml
    monkeypatch.setattr(role_arguments, "_read_yaml", lambda path: reads.append(path) or original(path))
    for _round in range(3):
        validate_role("backup", {"pn_backup_keep_daily": 3})
        validate_role("backup:maintain", {})
    assert sorted(p.rsplit("/", 2)[-2] for p in reads) == ["defaults", "meta", "vars"]
    role_arguments.role_spec.cache_clear()


def test_an_oversized_spec_is_refused(tmp_path, monkeypatch):
    big = tmp_path / "roles" / "huge" / "meta"
    big.mkdir(parents=True)
    (big / "argument_specs.yml").write_text("# " + "x" * role_arguments.MAX_SPEC_BYTES + "\n")
    monkeypatch.setattr(role_arguments, "ROLES_DIR", str(tmp_path / "roles"))
    role_arguments.role_spec.cache_clear()
    try:
        with pytest.raises(RoleSpecError, match="larger than"):
            option_names("huge")
    finally:
        role_arguments.role_spec.cache_clear()


def test_the_problem_is_worded_in_both_languages():
    from ansible_collections.pn.website.plugins.module_utils.inventory.court_contract import Problem

    [(variable, error)] = validate_role("backup", {"pn_backup_keep_daily": "banyak"})
    problem = Problem(
        "pn-tais", variable, "role_argument", role="pn.website.backup", entry="main", error=error
    )
    assert problem.message("id").startswith(
        "tidak sesuai spesifikasi argumen peran pn.website.backup (main): "
    )
    assert problem.message("en").startswith(
        "does not match the argument spec of role pn.website.backup (main): "
    )
