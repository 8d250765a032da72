"""SOP reports: per court the "Laporan Situasi dan Kondisi Website" (SOP W5) as printable HTML, and a
fleet dashboard, both with a JSON file beside them.

``render_reports(store, out_dir, lang="id", courts=None)`` writes::

    out_dir/index.html, out_dir/index.json                    fleet dashboard (courts by region and severity)
    out_dir/<court>/laporan.html, out_dir/<court>/laporan.json   one report per court

The data comes from the history store in a fixed number of queries for the whole fleet (never one
per court per day); the HTML is rendered with Jinja2 with autoescape on, so text taken from logs and
web pages (user agents, URLs, page excerpts) is always shown as text.

The parts, by concern: ``render`` (writing the reports), ``pdf`` (printing them), ``data`` (the store
queries), ``court`` and ``fleet`` (the content of a court report and of the dashboard), ``activities``
(one view per SOP activity), ``evidence`` (outputs and findings for display), ``advice`` (alternatives
by rule id), ``texts`` (every text, both languages), ``format`` (formatting for display), ``svgplot``
(the charts) and ``templates/``.
"""

from sopansible.report.activities import FIELD_ALIASES, FINDING_LIMIT, W3_SKIP
from sopansible.report.court import SCHEMA, court_context
from sopansible.report.errors import ReportError
from sopansible.report.evidence import evidence_rows, finding_view
from sopansible.report.fleet import dashboard_context, severity_key
from sopansible.report.format import format_bytes, format_date, format_number, redact_url, slug
from sopansible.report.pdf import CHROMIUM_FLAGS, CHROMIUM_PATHS, to_pdf
from sopansible.report.render import default_out_dir, render_reports
from sopansible.report.texts import LANGS

__all__ = [
    "CHROMIUM_FLAGS",
    "CHROMIUM_PATHS",
    "FIELD_ALIASES",
    "FINDING_LIMIT",
    "LANGS",
    "SCHEMA",
    "W3_SKIP",
    "ReportError",
    "court_context",
    "dashboard_context",
    "default_out_dir",
    "evidence_rows",
    "finding_view",
    "format_bytes",
    "format_date",
    "format_number",
    "redact_url",
    "render_reports",
    "severity_key",
    "slug",
    "to_pdf",
]
