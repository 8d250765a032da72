"""Benchmark: one probe round over a fleet of simulated court websites.

Starts one server process that listens on N loopback addresses (127.77.x.y, one court site per
address, each with its own host name and a certificate from a test CA), then measures in the
same run:

* the project: the pn.website site_probe engine (what `sopansible probe` and the
  pn.website.site_probe module run), full checks per site: homepage, Googlebot and Google-referer
  variants, robots.txt, RSS feed and sitemap, TLS verification, keyword, freshness, spam checks;
* the baseline: a naive playbook with one `ansible.builtin.uri` task per host (inventory of
  hosts with ansible_connection=local, forks=50), fetching each homepage with TLS verification
  and checking status and keyword.

Usage:  .venv/bin/python tests/benchmarks/bench_site_probe.py [--sites 1000] [--naive-hosts 200]

The naive playbook is run on the first --naive-hosts hosts and extrapolated linearly to --sites
when fewer hosts are used (the output says so). Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

PREFIX = "127.77"


def site_addr(i: int) -> str:
    return f"{PREFIX}.{i // 250}.{i % 250 + 1}"


def site_name(i: int) -> str:
    return f"pn-bench-{i:04d}.go.id"


def court_name(i: int) -> str:
    return f"Pengadilan Negeri Bench {i:04d}"


# --------------------------------------------------------------------------------------------------
# Certificates
# --------------------------------------------------------------------------------------------------


def make_certs(directory: Path, count: int) -> Path:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name("pn.website Bench CA"))
        .issuer_name(name("pn.website Bench CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.crt"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    # One key for all leaves keeps generation fast; every site still has its own certificate.
    key = ec.generate_private_key(ec.SECP256R1())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (directory / "site.key").write_bytes(key_pem)
    for i in range(count):
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(site_name(i)))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=90))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName(site_name(i)), x509.IPAddress(ipaddress.ip_address(site_addr(i)))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        (directory / f"site{i:04d}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return ca_file


# --------------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------------


def _rfc822(days_ago: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(time.time() - days_ago * 86400))


def site_pages(i: int) -> dict:
    court = court_name(i)
    news = "".join(
        f"<div class='post'><h2><a href='/berita/{n}'>Kegiatan {court} nomor {n}</a></h2><p>Pada hari ini "
        f"{court} melaksanakan pelayanan publik dan persidangan perkara nomor {n} dengan tertib.</p></div>"
        for n in range(60)
    )
    home = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{court}</title>"
        "<link rel='alternate' type='application/rss+xml' href='/feed/'>"
        "<style>.mobile-menu{display:none}</style></head><body>"
        "<nav class='mobile-menu'><a href='/profil'>Profil</a><a href='/berita'>Berita</a></nav>"
        f"<h1>Selamat datang di website {court}</h1>{news}"
        "<footer><a href='https://www.mahkamahagung.go.id/'>Mahkamah Agung RI</a></footer></body></html>"
    )
    rss = "<?xml version='1.0'?><rss version='2.0'><channel><title>{}</title>{}</channel></rss>".format(
        court,
        "".join(
            f"<item><title>Berita {n}</title><link>https://{site_name(i)}/berita/{n}</link>"
            f"<pubDate>{_rfc822(n + 1)}</pubDate></item>"
            for n in range(10)
        ),
    )
    sitemap = "<?xml version='1.0'?><urlset>{}</urlset>".format(
        "".join(
            f"<url><loc>https://{site_name(i)}/berita/{n}</loc>"
            f"<lastmod>{time.strftime('%Y-%m-%d', time.gmtime(time.time() - n * 86400))}</lastmod></url>"
            for n in range(30)
        )
    )
    robots = f"User-agent: *\nDisallow: /admin/\nSitemap: https://{site_name(i)}/sitemap.xml\n"
    pages = {
        "/": ("text/html; charset=utf-8", home),
        "/feed/": ("application/rss+xml", rss),
        "/sitemap.xml": ("application/xml", sitemap),
        "/robots.txt": ("text/plain", robots),
    }
    out = {}
    for path, (ctype, body) in pages.items():
        data = body.encode()
        out[path] = (
            b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (ctype.encode(), len(data))
            + data
        )
    return out


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 9\r\n\r\nNot found"

#: Shapes of the fleet: every site healthy, or a share of them slow, down or hostile (``--shape``).
SHAPES = ("healthy", "mixed")
# mixed: one site in 20 of each kind (a quarter of the fleet), the rest healthy
MIXED_KINDS = {0: "down", 1: "slow", 2: "spam", 3: "huge", 4: "stall"}
SLOW_SECONDS = 2.0
HUGE_BYTES = 3 * 1024 * 1024  # over the engine's 2 MiB body cap
GAMBLING = (
    "<div style='display:none'><a href='https://slot-gacor-maxwin.example/'>slot gacor maxwin</a> "
    "<a href='https://togel88.example/'>bandar togel terpercaya</a></div>"
)


def site_kind(i: int, shape: str) -> str:
    """healthy; or in the mixed shape: down (nothing listens), slow (2 s per answer), spam (hidden
    gambling links, and a gambling page for Googlebot only), huge (a 3 MiB homepage), stall (a status
    line, then one header byte a second, forever)."""
    return MIXED_KINDS.get(i % 20, "healthy") if shape == "mixed" else "healthy"


def _page(body: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (ctype.encode(), len(body))
    return head + body


def serve(directory: str, port: int, count: int, shape: str = "healthy") -> None:
    """Server process: one TLS listener per site address, all in one event loop."""
    huge = _page(b"<html><body>" + b"x" * HUGE_BYTES + b"</body></html>")

    async def main():
        servers = []
        for i in range(count):
            kind = site_kind(i, shape)
            if kind == "down":
                continue
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(
                os.path.join(directory, f"site{i:04d}.crt"), os.path.join(directory, "site.key")
            )
            pages = site_pages(i)
            googlebot = None
            if kind == "spam":
                home = (
                    pages["/"]
                    .split(b"\r\n\r\n", 1)[1]
                    .replace(b"</footer>", GAMBLING.encode() + b"</footer>")
                )
                pages["/"] = _page(home)
                googlebot = _page(
                    b"<html><head><title>SLOT GACOR MAXWIN hari ini</title></head><body><h1>Situs slot "
                    b"gacor gampang maxwin</h1><p>Daftar di situs judi online terpercaya, deposit pulsa.</p>"
                    b"</body></html>"
                )
            elif kind == "huge":
                pages["/"] = huge

            async def handle(reader, writer, pages=pages, kind=kind, googlebot=googlebot):
                try:
                    while True:  # HTTP/1.1 keep-alive until the client closes or says close
                        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                        path = head.split(b" ", 2)[1].decode("latin-1").split("?", 1)[0]
                        if kind == "stall":
                            writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                            for _unused in range(120):
                                await writer.drain()
                                await asyncio.sleep(1)
                                writer.write(b"a")
                            break
                        if kind == "slow":
                            await asyncio.sleep(SLOW_SECONDS)
                        if googlebot is not None and path == "/" and b"googlebot" in head.lower():
                            writer.write(googlebot)
                        else:
                            writer.write(pages.get(path, NOT_FOUND))
                        await writer.drain()
                        if b"connection: close" in head.lower():
                            break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    pass
                except ssl.SSLError:
                    pass
                finally:
                    writer.close()

            servers.append(await asyncio.start_server(handle, site_addr(i), port, ssl=ctx, backlog=1024))
        print("READY", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, from /proc (0.0 where unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((site_addr(0), 0))
        return sock.getsockname()[1]


def run_engine(count: int, port: int, ca_file: Path, concurrency: int):
    from ansible_collections.pn.website.plugins.module_utils.monitoring import site_probe

    sites = [
        {
            "name": f"court{i:04d}",
            "url": f"https://{site_name(i)}:{port}/",
            "keyword": court_name(i),
            "max_age_days": 14,
            "resolve": [f"{site_name(i)}:{port}:{site_addr(i)}"],
        }
        for i in range(count)
    ]

    def no_dns(host, _port):
        return None  # every name comes from a resolve entry; never ask DNS

    options = {"ca_file": str(ca_file), "concurrency": concurrency, "total_timeout": 60, "read_timeout": 30}
    cpu0 = time.process_time()
    start = time.perf_counter()
    results = site_probe.probe(sites, options, resolver=no_dns)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    healthy = sum(1 for r in results if r["reachable"] and r["keyword"]["found"] and not r["findings"])
    requests = sum(r["requests"] for r in results)  # home, 2 cloaking variants, robots.txt, feed, sitemap
    bad = [r for r in results if not (r["reachable"] and not r["findings"])][:3]
    return wall, cpu, healthy, requests, bad


PLAYBOOK = """---
- name: Naive website check, one uri task per court
  hosts: all
  gather_facts: false
  tasks:
    - name: Fetch the homepage and check the keyword
      ansible.builtin.uri:
        url: "https://{{ bench_addr }}:{{ bench_port }}/"
        ca_path: "{{ bench_ca }}"
        validate_certs: true
        return_content: true
        timeout: 30
      register: page
      failed_when: page.status != 200 or bench_keyword not in page.content
"""


def run_naive(count: int, port: int, ca_file: Path, workdir: Path):
    hosts = {
        f"court{i:04d}": {"bench_addr": site_addr(i), "bench_keyword": court_name(i)} for i in range(count)
    }
    inventory = {
        "all": {
            "hosts": hosts,
            "vars": {
                "ansible_connection": "local",
                "ansible_python_interpreter": sys.executable,
                "bench_port": port,
                "bench_ca": str(ca_file),
            },
        }
    }
    (workdir / "inventory.json").write_text(json.dumps(inventory))
    (workdir / "naive.yml").write_text(PLAYBOOK)
    (workdir / "ansible.cfg").write_text(
        "[defaults]\nforks = 50\ngathering = explicit\nhost_key_checking = False\n"
        "retry_files_enabled = False\ninterpreter_python = auto_silent\nstdout_callback = default\n"
    )
    env = dict(
        os.environ, ANSIBLE_CONFIG=str(workdir / "ansible.cfg"), ANSIBLE_LOCAL_TEMP=str(workdir / "tmp")
    )
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    playbook_bin = shutil.which("ansible-playbook", path=env["PATH"])
    start = time.perf_counter()
    proc = subprocess.run(
        [playbook_bin, "-i", str(workdir / "inventory.json"), str(workdir / "naive.yml")],
        env=env,
        cwd=str(workdir),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    ok = proc.stdout.count("ok: [court")
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:], file=sys.stderr)
    return wall, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument(
        "--naive-hosts", type=int, default=200, help="hosts for the naive playbook (extrapolated)"
    )
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--serve", nargs=3, metavar=("DIR", "PORT", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--shape", choices=SHAPES, default="healthy", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]), args.shape)
        return 0
    if not 1 <= args.sites <= 62500:
        parser.error("--sites must be between 1 and 62500")

    workdir = Path(tempfile.mkdtemp(prefix="bench-probe-"))
    server = None
    try:
        t0 = time.perf_counter()
        load0 = f"{os.getloadavg()[0]:.2f}"
        ca_file = make_certs(workdir, args.sites)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(workdir), str(port), str(args.sites)],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = server.stdout.readline()
        if "READY" not in line:
            print("the site server did not start", file=sys.stderr)
            return 1
        print(
            f"Fleet: {args.sites} court sites on {PREFIX}.x.y:{port} (TLS, test CA, one certificate "
            f"per site), ready in {time.perf_counter() - t0:.1f} s"
        )
        server_cpu0 = process_cpu(server.pid)
        wall, cpu, healthy, requests, bad = run_engine(args.sites, port, ca_file, args.concurrency)
        server_cpu = process_cpu(server.pid) - server_cpu0
        print(
            f"pn.website site_probe engine: {args.sites} sites in {wall:.2f} s "
            f"({args.sites / wall:.0f} sites/s, {requests} requests, concurrency {args.concurrency}), "
            f"{healthy}/{args.sites} healthy"
        )
        print(
            "  CPU: probe {:.1f} s, site server {:.1f} s; load average before/after: {} / {}".format(
                cpu, server_cpu, load0, f"{os.getloadavg()[0]:.2f}"
            )
        )
        for result in bad:
            print(
                "  unexpected:",
                result["name"],
                result["reason"],
                result["error"],
                [f["rule"] for f in result["findings"]],
            )
        print(
            "  target: under 30 s for 1,000 sites -> %s"
            % ("met" if wall * 1000 / args.sites < 30 else "NOT met")
        )
        if args.skip_naive:
            return 0
        naive_hosts = min(args.naive_hosts, args.sites)
        naive_wall, naive_ok = run_naive(naive_hosts, port, ca_file, workdir)
        estimate = naive_wall * args.sites / naive_hosts
        if naive_hosts < args.sites:
            print(
                f"naive ansible.builtin.uri playbook (forks=50): {naive_hosts} hosts in {naive_wall:.2f} s "
                f"({naive_ok} ok); extrapolated linearly to {args.sites} hosts: {estimate:.1f} s"
            )
        else:
            print(
                f"naive ansible.builtin.uri playbook (forks=50): {naive_hosts} hosts in {naive_wall:.2f} s "
                f"({naive_ok} ok)"
            )
        ratio = estimate / wall
        print(
            "ratio naive / engine: {:.1f}x (the engine does 5 requests and all content checks per site, "
            "the naive playbook 1 request and a keyword check) -> target >= 10x {}".format(
                ratio, "met" if ratio >= 10 else "NOT met"
            )
        )
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
