"""Verify pn.website.ssh_hardening: effective sshd settings and real logins over loopback."""

SSH = "ssh -o BatchMode=yes -o UserKnownHostsFile=/root/.ssh_known_hosts -o StrictHostKeyChecking=yes "


def effective(host):
    lines = host.check_output("sshd -T").splitlines()
    return dict(line.split(" ", 1) for line in lines if " " in line)


def test_dropin_is_read_first_and_validated(host):
    dropin = host.file("/etc/ssh/sshd_config.d/00-pn-website-hardening.conf")
    assert dropin.exists and dropin.user == "root" and dropin.mode == 0o644
    first = [
        line
        for line in host.file("/etc/ssh/sshd_config").content_string.splitlines()
        if line.strip() and not line.startswith("#")
    ][0]
    assert first == "Include /etc/ssh/sshd_config.d/*.conf"
    assert host.run("sshd -t").rc == 0


def test_effective_settings_are_hardened(host):
    cfg = effective(host)
    assert cfg["permitrootlogin"] == "no"
    assert cfg["passwordauthentication"] == "no"
    assert cfg["kbdinteractiveauthentication"] == "no"
    assert cfg["x11forwarding"] == "no"
    assert cfg["loglevel"] == "VERBOSE"
    assert cfg["maxauthtries"] == "3"
    assert "cbc" not in cfg["ciphers"]
    assert "sha1" not in cfg["macs"] and "umac-64" not in cfg["macs"]
    assert "sha1" not in cfg["kexalgorithms"]


def test_sshd_reloaded_and_running(host):
    assert host.service("ssh").is_running


def test_operator_key_login_still_works(host):
    result = host.run(SSH + "-i /root/operator-key sopadmin@127.0.0.1 id -un")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "sopadmin"


def test_root_and_password_logins_are_refused(host):
    root = host.run(SSH + "-i /root/operator-key root@127.0.0.1 true")
    assert root.rc == 255
    assert "Permission denied (publickey)" in root.stderr
    password = host.run(
        SSH + "-o PreferredAuthentications=password -o PubkeyAuthentication=no sopadmin@127.0.0.1 true"
    )
    assert password.rc == 255
    assert "Permission denied (publickey)" in password.stderr


def test_weak_mac_is_refused(host):
    result = host.run(
        SSH + "-i /root/operator-key -o Ciphers=aes128-ctr -o MACs=hmac-sha1 sopadmin@127.0.0.1 true"
    )
    assert result.rc == 255
    assert "no matching MAC" in result.stderr
