#!/usr/bin/python
# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: appsec_audit
short_description: Application security of a court website - end-of-life software and a web root scan
version_added: "0.1.0"
description:
  - Reads the PHP, MariaDB and CMS core versions on the court server (the same readers as
    M(pn.website.server_evidence)) and compares them with the end-of-life dates shipped in the collection
    (C(plugins/module_utils/appsec/eol_data.py), compiled from the vendors' published schedules, refreshed
    with C(scripts/refresh_eol.py)). A version past its end of life is a C(software-eol) finding (high), one
    that ends within O(eol_warn_days) a C(software-eol-soon) finding (medium).
  - PHP or MariaDB installed from Debian's own package for the running release (its version, read with
    C(dpkg-query), carries that release's C(+debNuM) suffix; the release is C(/etc/os-release)'s
    C(VERSION_ID)) is patched by Debian until the release's support (LTS included) ends, so that date is
    its end of life when the data lists the release; the finding's evidence shows both dates and which
    one was used (C(basis)).
  - The CMS core is looked for in the web root, in its parent when the web root is a C(wp-content) folder,
    and for a WordPress court in Debian's package folder C(/usr/share/wordpress) (its version from
    C(wp-includes/version.php)); a core installed by Debian's C(wordpress) package for the running release
    is judged by the release's support (C(basis) C(distribution)), as PHP is.
  - On a WordPress court, lists the plugins, must-use plugins and themes of its C(wp-content) with their
    name and version read from the main file's header or C(style.css) (C(extensions)). One named in the
    collection's list of closed plugins and themes (C(plugins/module_utils/appsec/wordpress_data.py),
    each entry with its date and public source) is a C(wordpress-extension-closed) finding (high); any
    other is listed, not judged.
  - Scans the web root for files added or changed since the last backup's manifest (the C(manifest.json)
    the C(pn.website.backup) role leaves in its staging folder) or, without one, since the scan's own
    baseline (C(webroot-changed), medium); PHP files in upload folders (C(upload-php-file), high); known
    webshell markers in PHP files and in upload folders (C(webroot-webshell), critical). A scan cut short by
    its bounds is a C(webroot-scan-incomplete) finding (low).
  - When the CMS's code is outside the web root and installed by Debian packages (WordPress in
    C(/usr/share/wordpress), the web root its C(/var/lib/wordpress/wp-content)), that code is checked
    against its packages (C(scan.code)); files whose checksum differs (C(dpkg --verify)) and files no
    package installed are C(webroot-changed) (evidence C(kind) C(package)), and webshell markers in
    those files C(webroot-webshell).
  - The web root is untrusted. Symbolic links are never followed (those leaving the web root are listed),
    only regular files are opened, at most O(max_file_bytes) of a file and O(max_files) files are read
    within O(time_budget) seconds, and nothing read is run or interpreted.
  - Without a backup manifest or baseline, a complete scan writes the baseline (O(baseline_file), mode
    0600); that is the only thing the module writes.
author:
  - pn.website maintainers (@pn-website)
extends_documentation_fragment:
  - pn.website.attributes
  - pn.website.attributes.SERVER
attributes:
  check_mode:
    support: full
    details: Everything is read-only; in check mode O(baseline_file) is not written.
options:
  webroot:
    description: Document root of the court website.
    type: path
    default: /var/www/html
  cms:
    description: CMS of the website, shown when its version cannot be read.
    type: str
    default: custom
  eol:
    description: Compare the software versions with their end-of-life dates.
    type: bool
    default: true
  eol_data:
    description:
      - End-of-life data to use instead of the table shipped in the collection, in its format (C(compiled),
        C(source), C(products) and C(distributions) with their cycles), e.g. written by
        C(scripts/refresh_eol.py --format json).
    type: dict
  eol_warn_days:
    description: A version whose end of life is at most this many days away is a C(software-eol-soon) finding.
    type: int
    default: 90
  scan:
    description: Scan the web root.
    type: bool
    default: true
  upload_dirs:
    description: Upload folders below O(webroot) where no PHP file belongs.
    type: list
    elements: str
    default: [uploads, wp-content/uploads, images]
  change_excludes:
    description: Folders below O(webroot) whose changes are not reported (caches); markers are still searched.
    type: list
    elements: str
    default: [wp-content/cache, administrator/cache, cache, tmp]
  manifest:
    description: The manifest of the last backup (C(pn_backup_staging_dir)/manifest.json).
    type: path
    default: /var/lib/pn-website/backup-staging/manifest.json
  baseline_file:
    description: The scan's own reference, written when there is no backup manifest.
    type: path
    default: /var/lib/pn-website/audit-webroot-baseline.json
  max_files:
    description: Files scanned at most.
    type: int
    default: 100000
  max_extensions:
    description: Entries of a WordPress plugins or themes folder looked at, at most.
    type: int
    default: 500
  max_file_bytes:
    description: A larger file is not read (it is listed and compared by size only).
    type: int
    default: 2097152
  time_budget:
    description: Seconds the scan may take; it stops (and says so) when they are spent.
    type: int
    default: 300
  lang:
    description: Language of the findings.
    type: str
    choices: [id, en]
    default: id
"""

EXAMPLES = r"""
- name: Application security of the court website
  pn.website.appsec_audit:
    webroot: "{{ court_webroot }}"
    cms: "{{ court_cms }}"
  register: appsec
"""

RETURN = r"""
software:
  description: Per product found (C(php), C(mariadb), C(wordpress), C(joomla)) its version, cycle,
    end-of-life date used, days left, status (C(eol), C(eol-soon), C(supported), C(unknown)), the date the
    data was compiled, the Debian package's version (C(package)), upstream's end (C(upstream_eol)), the
    distribution release and its end (C(distribution), C(distribution_eol)) and which end was used
    (C(basis), C(upstream) or C(distribution)).
  returned: when O(eol) is true
  type: list
  elements: dict
  sample: [{product: php, name: PHP, version: 8.2.29, cycle: "8.2", eol: "2028-06-30", days_left: 576,
            status: supported, data_compiled: "2026-12-02", package: 8.2.29-1~deb12u1,
            upstream_eol: "2026-12-31", distribution: debian 12, distribution_eol: "2028-06-30",
            basis: distribution}]
cms:
  description: The CMS found (C(cms), C(version), the C(file) read, the C(root) of its code and the Debian
    C(package) that installed it).
  returned: when O(eol) is true
  type: dict
extensions:
  description: On a WordPress court, its C(content_dir) and the C(plugins), C(mu_plugins) and C(themes)
    found there, each with C(kind), C(slug), C(name), C(version), the C(path) of the file read and the
    C(link) target when wp-content links it elsewhere (C(outside) when that is out of bounds, not read);
    C(truncated) when a bound cut the list.
  returned: when O(eol) is true and the court runs WordPress
  type: dict
  sample: {content_dir: /var/lib/wordpress/wp-content, truncated: false, mu_plugins: [],
           plugins: [{kind: plugin, slug: akismet, name: Akismet Anti-Spam, version: 5.0.2,
                      path: /var/lib/wordpress/wp-content/plugins/akismet/akismet.php,
                      link: /usr/share/wordpress/wp-content/plugins/akismet}], themes: []}
scan:
  description: The web root scan's evidence (files scanned, complete or stopped by which bound, oversized
    files, links leaving the web root, webshells with their markers, PHP files in upload folders, the
    reference and the files added and changed since it); C(code) the packaged code's check (its C(root),
    C(packages) with versions, files scanned, C(changed) and C(added) files, webshells) or null.
  returned: when O(scan) is true
  type: dict
findings:
  description: SOP findings (rule, severity, message, evidence).
  returned: always
  type: list
  elements: dict
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.pn.website.plugins.module_utils.appsec import (
    eol,
    package_code,
    webroot_scan,
    wordpress,
)
from ansible_collections.pn.website.plugins.module_utils.diagnosis import server_evidence


def installed_versions(webroot, cms):
    """({product: version, or {version, package}}, the CMS found, the OS release) read on the server by
    the diagnosis' own readers; the package is the version of the Debian package that installed the
    binary which answered (none for a build from source)."""
    system = server_evidence.System()
    database = server_evidence.db_server(system) or {}
    found = server_evidence.cms_version(system, webroot, cms)
    php = server_evidence.php_binary(system)
    versions = {}
    for product, binary, version in (
        ("php", php, server_evidence.php_version(system)),
        ("mariadb", database.get("binary"), database.get("version")),
    ):
        package = server_evidence.package_of(system, binary) if version else None
        versions[product] = {"version": version, "package": (package or {}).get("version")}
    if found.get("cms") in ("wordpress", "joomla"):
        # the core from Debian's package (/usr/share/wordpress) is judged by the release, as PHP is
        package = server_evidence.package_of(system, found.get("file")) if found.get("version") else None
        versions[found["cms"]] = {"version": found.get("version"), "package": (package or {}).get("version")}
        found["package"] = package
    return versions, found, server_evidence.os_release(system)


def wordpress_extensions(webroot, cms, lang, max_entries):
    """({plugins, themes, mu_plugins, ...}, findings) of the WordPress court's wp-content, or (None, [])
    when the court runs no WordPress."""
    if cms.get("cms") != "wordpress":
        return None, []
    content = wordpress.content_dir(webroot, cms.get("root"))
    if content is None:
        return None, []
    found = wordpress.extensions(content, [cms.get("root")], {"max_entries": max_entries})
    return found, wordpress.judge(found, lang=lang)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            webroot=dict(type="path", default="/var/www/html"),
            cms=dict(type="str", default="custom"),
            eol=dict(type="bool", default=True),
            eol_data=dict(type="dict"),
            eol_warn_days=dict(type="int", default=90),
            scan=dict(type="bool", default=True),
            upload_dirs=dict(
                type="list", elements="str", default=["uploads", "wp-content/uploads", "images"]
            ),
            change_excludes=dict(
                type="list",
                elements="str",
                default=["wp-content/cache", "administrator/cache", "cache", "tmp"],
            ),
            manifest=dict(type="path", default="/var/lib/pn-website/backup-staging/manifest.json"),
            baseline_file=dict(type="path", default="/var/lib/pn-website/audit-webroot-baseline.json"),
            max_files=dict(type="int", default=100000),
            max_extensions=dict(type="int", default=500),
            max_file_bytes=dict(type="int", default=2097152),
            time_budget=dict(type="int", default=300),
            lang=dict(type="str", choices=["id", "en"], default="id"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for key in ("max_files", "max_file_bytes", "time_budget", "max_extensions"):
        if p[key] <= 0:
            module.fail_json(msg="%s must be greater than 0, got %s" % (key, p[key]))
    if p["eol_warn_days"] < 0:
        module.fail_json(msg="eol_warn_days must be 0 or more, got %s" % p["eol_warn_days"])
    result = {"changed": False, "findings": []}
    cms = None
    if p["eol"]:
        versions, cms, release = installed_versions(p["webroot"], p["cms"])
        try:
            judged = eol.check(
                versions,
                datetime.date.today(),
                p["eol_warn_days"],
                data=p["eol_data"],
                lang=p["lang"],
                os_release=release,
            )
        except eol.EolDataError as exc:
            module.fail_json(msg="eol_data: %s" % exc)
        result["software"] = judged["software"]
        result["cms"] = cms
        result["findings"] += judged["findings"]
        extensions, findings = wordpress_extensions(p["webroot"], cms, p["lang"], p["max_extensions"])
        if extensions is not None:
            result["extensions"] = extensions
            result["findings"] += findings
    if p["scan"]:
        options = dict((k, p[k]) for k in webroot_scan.DEFAULTS if k in p)
        options["write_baseline"] = not module.check_mode
        scanned = webroot_scan.scan(options, lang=p["lang"])
        result["scan"] = scanned["scan"]
        result["findings"] += scanned["findings"]
        result["changed"] = bool((scanned["scan"]["reference"] or {}).get("made"))
        # the CMS's code kept outside the web root by a package (Debian's /usr/share/wordpress) is
        # checked against its packages
        root = (cms or server_evidence.cms_version(server_evidence.System(), p["webroot"], p["cms"])).get(
            "root"
        )
        real_webroot = os.path.realpath(p["webroot"])
        if root and not (os.path.realpath(root) + "/").startswith(real_webroot.rstrip("/") + "/"):
            code = package_code.scan(root, options, lang=p["lang"])
            result["scan"]["code"] = code["code"]
            result["findings"] += code["findings"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
