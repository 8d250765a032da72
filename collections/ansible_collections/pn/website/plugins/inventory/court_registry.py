# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: court_registry
short_description: Court fleet inventory from a court registry (CSV or YAML)
version_added: "0.1.0"
author:
  - pn.website maintainers (@pn-website)
description:
  - Builds the inventory of a whole fleet of courts from one registry file kept by a central team
    (a spreadsheet exported as CSV, or a YAML list), one row per court, instead of a hand-written
    inventory of hundreds of hosts.
  - Columns are C(name) (inventory host, required), C(court_name), C(type), C(region), C(domain),
    C(hosting) (C(server) or C(shared)), C(address), C(port), C(user), C(webserver), C(webroot),
    C(cms), C(url), C(keyword), C(hostnames), C(probe_resolve); any other documented court variable
    (C(court_db), C(court_services), C(court_contacts), ...) by its own name. In CSV, list cells are
    separated by spaces, C(|) or C(;), and a cell starting with C([) or C({) is read as YAML.
  - A registry is untrusted data. It sets only the documented court variables and three plain
    connection values, C(address) (C(ansible_host), a host name or IP address), C(port)
    (C(ansible_port)) and C(user) (C(ansible_user), a plain user name). Any other C(ansible_*) or
    C(pn_*) column (ssh arguments, interpreters, become settings, role settings) is refused in each
    row that fills it, and that row counts as invalid (O(on_invalid)). Set such options in the
    team's own C(group_vars/) or C(host_vars/) instead.
  - A registry file is at most 8 MiB; YAML anchors and aliases are refused.
  - Groups made for every court are C(courts), C(court_servers) (C(hosting=server), reached over
    SSH) or C(shared_hosting) (C(hosting=shared), controller-side checks only), C(region_<region>)
    (for example C(region_pt_bengkulu)) and C(type_<type>) (for example C(type_pn)).
  - Every row is validated against the court inventory contract (the same checks as
    C(sopansible inventory check) and the C(pn.website.preflight) role). A bad row is reported as a
    warning naming its line (CSV) or item number (YAML), the host and the field, and never stops
    the other rows.
  - The configuration file name must end with C(pn_registry.yml), C(pn_registry.yaml),
    C(court_registry.yml) or C(court_registry.yaml). C(host_vars/) and C(group_vars/) next to it
    apply as usual.
options:
  plugin:
    description: Token that marks the file as a configuration of this plugin.
    required: true
    type: str
    choices: [pn.website.court_registry]
  registry:
    description:
      - Path of the registry file, C(.csv) or C(.yml)/C(.yaml). A relative path is relative to the
        directory of this configuration file.
    required: true
    type: str
  on_invalid:
    description:
      - What to do with a court whose row breaks the inventory contract.
      - V(keep) puts it in the inventory and in the group C(registry_invalid); the preflight role
        then fails that court in every run, with the variable named in the report, so the problem
        stays visible. Exclude such courts with C(--limit '!registry_invalid').
      - V(skip) leaves the court out (with the warning).
      - V(error) fails the whole inventory source, for checking a registry before it is published.
      - Rows without a usable C(name), and rows repeating a name, are always left out.
    type: str
    default: keep
    choices: [keep, skip, error]
extends_documentation_fragment:
  - constructed
"""

EXAMPLES = r"""
# inventories/registry/pn_registry.yml
plugin: pn.website.court_registry
registry: courts.csv
# one group per web server (webserver_nginx, webserver_apache) from the court_webserver column
keyed_groups:
  - key: court_webserver
    prefix: webserver
    default_value: none
# courts of the Pengadilan Tinggi Bengkulu region served by nginx
groups:
  bengkulu_nginx: court_region == 'PT Bengkulu' and court_webserver | default('') == 'nginx'

# courts.csv (first lines)
# name,court_name,type,region,domain,hosting,address,webserver,hostnames
# pn-tais,Pengadilan Negeri Tais,PN,PT Bengkulu,pn-tais.go.id,server,192.0.2.12,nginx,pn-tais.go.id
# pn-manna,Pengadilan Negeri Manna,PN,PT Bengkulu,pn-manna.go.id,shared,,,
"""

import os  # noqa: E402 - Ansible plugins put their documentation first

from ansible.errors import AnsibleParserError  # noqa: E402
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable  # noqa: E402

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core before 2.19 does not tag inventory data
    trust_as_template = None

from ansible_collections.pn.website.plugins.module_utils.inventory.court_registry import (  # noqa: E402
    CONFIG_SUFFIXES,
    COURTS_GROUP,
    RegistryError,
    load,
)


def _trusted(value):
    """Registry data as trusted as a YAML inventory's (cells holding a template were refused)."""
    if trust_as_template is None:
        return value
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((_trusted(k), _trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = "pn.website.court_registry"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        registry_path = os.path.expanduser(self.get_option("registry"))
        if not os.path.isabs(registry_path):
            registry_path = os.path.join(os.path.dirname(os.path.abspath(path)), registry_path)
        on_invalid = self.get_option("on_invalid")
        try:
            registry = load(registry_path, on_invalid=on_invalid)
        except RegistryError as error:
            raise AnsibleParserError(str(error)) from None
        for problem in registry.problems:
            self.display.warning("pn.website.court_registry: %s" % problem.line("en"))
        if on_invalid == "error" and registry.problems:
            raise AnsibleParserError(
                "%d problems in the court registry %s (see the warnings above)"
                % (len(registry.problems), registry_path)
            )

        self.inventory.add_group(COURTS_GROUP)
        for group in sorted(registry.groups):
            if group != COURTS_GROUP:
                self.inventory.add_group(group)
                self.inventory.add_child(COURTS_GROUP, group)
        for host, variables in registry.hosts.items():
            self.inventory.add_host(host, group=COURTS_GROUP)
            for name, value in variables.items():
                self.inventory.set_variable(host, name, _trusted(value))
        for group, hosts in registry.groups.items():
            for host in hosts:
                self.inventory.add_host(host, group=group)

        strict = self.get_option("strict")
        for host in registry.hosts:
            hostvars = self.inventory.get_host(host).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
