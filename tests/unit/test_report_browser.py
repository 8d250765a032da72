"""The reports in a real browser: headless Chromium prints the PDF, takes a screenshot, and shows that
hostile text taken from logs and web pages (user agents, URLs) never runs as script."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from html import unescape
from pathlib import Path

import pytest

from sopansible import cli, report
from sopansible.store import HistoryStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
# Each payload, if it ever ran, would leave a trace in the DOM that --dump-dom shows.
PAYLOAD_TITLE = "<script>document.title='PWNED-SCRIPT'</script>"
PAYLOAD_IMG = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
PAYLOAD_SVG = "<svg onload=\"document.body.insertAdjacentHTML('beforeend','<p id=pwned-svg>x</p>')\">"
PAYLOAD_ATTR = "' autofocus onfocus='document.title=\"PWNED-FOCUS\"' x='"


def chromium(*args: str, timeout: int = 90) -> subprocess.CompletedProcess:
    """Run headless Chromium once with a throw-away profile, bounded in time."""
    with tempfile.TemporaryDirectory(prefix="chromium-test-") as profile:
        return subprocess.run(
            [CHROMIUM, *report.CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            timeout=timeout,
            check=False,
        )


def dump_dom(page: Path) -> str:
    done = chromium("--virtual-time-budget=3000", "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.decode("utf-8", "replace")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """A minimal PNG decoder (8-bit RGB/RGBA, not interlaced): width, height, rows of raw pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - bpp] if x >= bpp else 0
            up = previous[x]
            corner = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i : i + 3]) for r in rows for i in range(0, stride, bpp)]


def make_run() -> dict:
    started = NOW.isoformat()
    court = "pn-uji"
    return {
        "run_id": "run-browser",
        "name": "harian",
        "started": started,
        "finished": started,
        "courts": {
            court: {
                "court_name": "Pengadilan Negeri Uji " + PAYLOAD_TITLE,
                "court_type": "PN",
                "court_region": "PT Uji",
                "court_domain": "pn-uji.go.id",
                "court_contacts": {"sekretaris": {"name": "Sekretaris " + PAYLOAD_ATTR}},
            }
        },
        "results": [
            {
                "court": court,
                "activity": "W1",
                "status": "critical",
                "summary": "Website tidak dapat diakses " + PAYLOAD_SVG,
                "started": started,
                "duration_s": 1.2,
                "outputs": {"http_status": 503, "available": False, "response_ms": 90},
                "findings": [
                    {
                        "rule": "unavailable",
                        "severity": "critical",
                        "message": "HTTP 503 " + PAYLOAD_TITLE,
                        "evidence": {"url": "https://pn-uji.go.id/" + PAYLOAD_IMG, "status": 503},
                    }
                ],
            },
            {
                "court": court,
                "activity": "W3",
                "status": "warning",
                "started": started,
                "duration_s": 3,
                "outputs": {"summary": {"requests": 1000, "unique_visitors": 50}},
                "findings": [
                    {
                        "rule": "scanner",
                        "severity": "high",
                        "message": "Pemindai kerentanan " + PAYLOAD_SVG,
                        "evidence": {
                            "user_agent": "Mozilla/5.0 " + PAYLOAD_TITLE + PAYLOAD_IMG,
                            "url": "/wp-login.php?x=" + PAYLOAD_ATTR,
                            "samples": ['1.2.3.4 "GET /' + PAYLOAD_IMG + '" 404 "' + PAYLOAD_SVG + '"'],
                        },
                    }
                ],
            },
        ],
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    with HistoryStore(base / "history.sqlite") as store:
        store.record_run(make_run())
        index = report.render_reports(store, base / "out", now=NOW, days=7)
    return base, index.parent / report.slug("pn-uji") / "laporan.html"


def title_of(html: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())


def assert_not_executed(dom: str, source: str | None = None) -> None:
    title = title_of(dom)
    assert not title.startswith("PWNED"), title
    if source is not None:
        assert title == title_of(source)  # the title as written, never changed by a script
    assert not re.search(r"<body[^>]*data-pwned", dom)
    assert not re.search(r"<p id=\"pwned-svg\"", dom)
    body = dom[dom.find("<body") :]
    assert not re.search(r"<(img|script|iframe)\b", body), "an injected element became live markup"


def test_the_detector_sees_a_script_that_runs(tmp_path):
    # The same payloads written raw into a page do run: the checks below would notice.
    page = tmp_path / "unsafe.html"
    page.write_text(
        f"<html><head><title>t</title></head><body><p>{PAYLOAD_TITLE}{PAYLOAD_SVG}</p>"
        f'<a href="{PAYLOAD_IMG}</a></body></html>'
    )
    dom = dump_dom(page)
    assert title_of(dom) == "PWNED-SCRIPT"
    assert '<p id="pwned-svg">' in dom and re.search(r"<body[^>]*data-pwned=\"img\"", dom)
    with pytest.raises(AssertionError):
        assert_not_executed(dom)


def test_hostile_findings_stay_text_in_the_browser(reports):
    _, page = reports
    dom = dump_dom(page)
    assert_not_executed(dom, page.read_text(encoding="utf-8"))
    assert "PWNED-SCRIPT" in title_of(dom)  # the court name, shown as text
    assert "Laporan Situasi dan Kondisi Website" in dom
    # the payloads are shown, as text
    assert "&lt;script&gt;document.title='PWNED-SCRIPT'&lt;/script&gt;" in dom.replace("&#39;", "'")
    assert "onerror=" in dom and "Mozilla/5.0" in dom
    index = page.parent.parent / "index.html"
    assert_not_executed(dump_dom(index), index.read_text(encoding="utf-8"))


def test_screenshot_shows_a_real_page(reports, tmp_path):
    _, page = reports
    shot = tmp_path / "laporan.png"
    done = chromium(
        "--window-size=700,1000", "--hide-scrollbars", f"--screenshot={shot}", page.resolve().as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert len(data) > 15_000  # a blank 700x1000 page compresses to a few kilobytes
    width, height, pixels = png_pixels(data)
    assert (width, height) == (700, 1000)
    colours = {}
    for pixel in pixels[::7]:
        colours[pixel] = colours.get(pixel, 0) + 1
    sampled = len(pixels[::7])
    assert len(colours) > 50  # text, tables, badges and charts, not a flat page
    background = max(colours.values())
    assert background / sampled < 0.97  # something besides the background covers the page
    dark = sum(n for c, n in colours.items() if sum(c) < 200)
    assert dark / sampled > 0.002  # readable text is there


def test_pdf_beside_each_report(reports, capsys):
    base, page = reports
    pdf = report.to_pdf(page)
    assert pdf == page.with_suffix(".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 1
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    assert counts and max(counts) == pages

    # through the command line, for every court
    pdf.unlink()
    argv = [
        "report",
        "--db",
        str(base / "history.sqlite"),
        "--out",
        str(page.parent.parent),
        "--pdf",
        "--json",
    ]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert str(pdf) in out and pdf.read_bytes().startswith(b"%PDF-")


def test_a_broken_browser_is_a_clear_error(reports, tmp_path):
    _, page = reports
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 0\n")
    fake.chmod(0o755)
    with pytest.raises(report.ReportError, match="tidak menghasilkan PDF"):
        report.to_pdf(page, tmp_path / "x.pdf", chromium=str(fake))
    with pytest.raises(report.ReportError, match="laporan tidak ada"):
        report.to_pdf(tmp_path / "missing.html", chromium=str(fake))
