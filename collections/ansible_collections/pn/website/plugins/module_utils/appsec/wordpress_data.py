# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WordPress plugins and themes known to be closed (no more fixes), for the weekly audit.

An entry is added by hand, only with a dated, public source: the plugin's or theme's page in the
wordpress.org directory saying it was closed (``https://wordpress.org/plugins/<slug>/``: "This plugin
has been closed as of <date> and is not available for download"), or its author's or WordPress's own
announcement. Each entry: ``closed`` (the date, YYYY-MM-DD), ``source`` (the address), ``reason`` (as
the source says it, short). Refresh: check each installed slug the audit lists on its directory page
and record what the page says (CONTRIBUTING.md "End-of-life data"); bump ``compiled``.

A plugin or theme the list does not name is listed by the audit with its version, never judged: the
list is empty until a closure is recorded with its source.
"""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

DATA = {
    "compiled": "2026-12-03",
    "source": "wordpress.org plugin and theme directory pages, recorded by hand",
    # slug -> {"closed": "YYYY-MM-DD", "source": "https://wordpress.org/plugins/<slug>/", "reason": "..."}
    "plugins": {},
    "themes": {},
}
