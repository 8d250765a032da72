# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A shipped subset of the IANA RDAP bootstrap file for DNS (RFC 9224).

Format and content follow https://data.iana.org/rdap/dns.json. The copy is used when the
live file cannot be fetched (air-gapped controllers, tests); ``domain_expiry.load_bootstrap``
refreshes it from a URL and caches it with a maximum age.
"""

from __future__ import annotations

IANA_DNS_BOOTSTRAP_URL = "https://data.iana.org/rdap/dns.json"

BOOTSTRAP_DNS = {
    "description": "RDAP bootstrap file for Domain Name System registrations",
    "publication": "2026-01-06T18:00:02Z",
    "services": [
        [["id"], ["https://rdap.pandi.id/rdap/"]],
        [["com"], ["https://rdap.verisign.com/com/v1/"]],
        [["net"], ["https://rdap.verisign.com/net/v1/"]],
        [["org"], ["https://rdap.publicinterestregistry.org/rdap/"]],
        [["info", "me", "mobi", "pro"], ["https://rdap.identitydigital.services/rdap/"]],
        [["xyz"], ["https://rdap.centralnic.com/xyz/"]],
        [["app", "dev", "page"], ["https://pubapi.registry.google/rdap/"]],
        [["asia"], ["https://rdap.identitydigital.services/rdap/"]],
        [["biz"], ["https://rdap.nic.biz/"]],
    ],
    "version": "1.0",
}
