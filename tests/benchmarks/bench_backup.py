"""Benchmark: backing up a court site with the project's restic path vs. bare restic vs. tar | gzip.

A synthetic court site (PDF documents, images, PHP files, a database dump) is generated on the
controller, then backed up three ways in the same run: a full `tar | gzip` archive each time (the
usual home-made backup), bare `restic backup`, and the project's path (`run_backup` of the restic
engine: manifest of file hashes, package list, tags, status file). Steps: first backup, second
backup of the unchanged site, a 1% change, full restore.

    .venv/bin/python tests/benchmarks/bench_backup.py            # ~1 GB site
    PN_BENCH_BACKUP_MB=100 .venv/bin/python tests/benchmarks/bench_backup.py   # quick run

Targets: the unchanged second backup adds < 1 MB and takes < 10% of the tar time; the project's
overhead over bare restic stays < 20%.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "collections"))

from ansible_collections.pn.website.plugins.module_utils.backup.backup_run import run_backup  # noqa: E402
from ansible_collections.pn.website.plugins.module_utils.backup.repository import Repository, restic_version  # noqa: E402
from ansible_collections.pn.website.plugins.module_utils.backup.site_restore import restore_site  # noqa: E402

PASSWORD = "bench-password"
MB = 1 << 20


def make_site(root: Path, total_mb: int, rng: random.Random) -> list[Path]:
    """PDFs and images (incompressible), PHP files and a SQL dump (text); returns the PDFs."""
    root.mkdir(parents=True)
    docs, images, code = root / "uploads" / "dokumen", root / "uploads" / "gambar", root / "app"
    for directory in (docs, images, code):
        directory.mkdir(parents=True)
    budget = total_mb * MB
    pdfs = []
    for index in range(max(1, int(budget * 0.55) // MB)):
        path = docs / f"putusan-{index:05d}.pdf"
        path.write_bytes(b"%PDF-1.7\n" + rng.randbytes(MB - 9))
        pdfs.append(path)
    for index in range(max(1, int(budget * 0.30) // (200 * 1024))):
        (images / f"berita-{index:05d}.jpg").write_bytes(b"\xff\xd8\xff\xe0" + rng.randbytes(200 * 1024 - 4))
    words = ["pengadilan", "negeri", "perkara", "putusan", "sidang", "jadwal", "berita", "echo", "function"]
    for index in range(max(1, int(budget * 0.02) // 5000)):
        lines = [f"<?php // modul {index}"] + [
            "${} = '{}';".format(rng.choice(words), " ".join(rng.choices(words, k=8))) for _ in range(80)
        ]
        (code / f"modul_{index:04d}.php").write_text("\n".join(lines) + "\n")
    rows = []
    size = 0
    target = int(budget * 0.13)
    while size < target:
        row = "INSERT INTO news VALUES ({},'{}','{}');\n".format(
            len(rows),
            " ".join(rng.choices(words, k=6)),
            " ".join(rng.choices(words, k=40)),
        )
        rows.append(row)
        size += len(row)
    (root / "database.sql").write_text("".join(rows) + "-- Dump completed on 2026-11-23\n")
    return pdfs


def change_one_percent(site: Path, pdfs: list[Path], total_mb: int, rng: random.Random) -> int:
    count = max(1, total_mb // 100)
    for path in pdfs[:count]:
        path.write_bytes(b"%PDF-1.7\n" + rng.randbytes(MB - 9))
    with open(site / "database.sql", "a") as handle:
        handle.write("INSERT INTO news VALUES (999999,'baru','berita baru');\n")
    return count


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def restic_env(repo: Path, cache: Path) -> dict:
    return dict(
        os.environ, RESTIC_REPOSITORY=str(repo), RESTIC_PASSWORD=PASSWORD, RESTIC_CACHE_DIR=str(cache)
    )


def main() -> int:
    total_mb = int(os.environ.get("PN_BENCH_BACKUP_MB", "1024"))
    if shutil.which("restic") is None:
        print("restic is not installed")
        return 1
    base = Path(tempfile.mkdtemp(prefix="pn-bench-backup-", dir=os.environ.get("PN_BENCH_DIR")))
    rng = random.Random(20261123)
    try:
        site = base / "www" / "court"
        pdfs = make_site(site, total_mb, rng)
        size = du(site)
        files = sum(1 for p in site.rglob("*") if p.is_file())
        version = ".".join(map(str, restic_version()))
        print(f"Synthetic court site: {size / MB:.0f} MB in {files} files (restic {version})\n")
        results: dict[str, dict[str, tuple[float, int]]] = {"tar": {}, "restic": {}, "project": {}}

        # -- tar | gzip: a full archive every time ----------------------------------------------
        def tar(name: str) -> int:
            out = base / "tar" / (name.replace("%", "pct").replace(" ", "-") + ".tar.gz")
            out.parent.mkdir(exist_ok=True)
            subprocess.run(f"tar -C {site.parent} -cf - court | gzip -6 > {out}", shell=True, check=True)
            return du(base / "tar")

        # -- bare restic -------------------------------------------------------------------------
        bare_repo, bare_cache = base / "bare-repo", base / "bare-cache"
        env = restic_env(bare_repo, bare_cache)
        subprocess.run(
            ["restic", "init", "--repository-version", "2"], env=env, check=True, capture_output=True
        )

        def bare() -> int:
            subprocess.run(
                ["restic", "backup", "--host", "pn-bench", str(site)],
                env=env,
                check=True,
                capture_output=True,
            )
            return du(bare_repo)

        # -- the project's path --------------------------------------------------------------------
        project_repo = base / "project-repo"
        config = {
            "court": "pn-bench",
            "targets": [{"name": "disk", "type": "local", "location": str(project_repo)}],
            "password": PASSWORD,
            "webroot": str(site),
            "paths": [],
            "staging_dir": str(base / "staging"),
            "status_file": str(base / "status.json"),
            "cache_dir": str(base / "project-cache"),
            "compression": "auto",
        }
        # the repository exists beforehand, as after the first run on a court
        Repository(str(project_repo), password=PASSWORD, cache_dir=config["cache_dir"]).init()

        def project() -> int:
            status = run_backup(config)
            if status["status"] != "ok":
                raise SystemExit(f"project backup failed: {status}")
            return du(project_repo)

        steps = [("first", None), ("unchanged", None), ("1% change", "change")]
        for step, action in steps:
            if action == "change":
                changed = change_one_percent(site, pdfs, total_mb, rng)
                print(f"(changed {changed} PDF(s) and the dump)")
            for name, function in (("tar", lambda s=step: tar(s)), ("restic", bare), ("project", project)):
                before = du(base / "tar") if name == "tar" and (base / "tar").exists() else None
                if name == "restic":
                    before = du(bare_repo)
                elif name == "project":
                    before = du(project_repo)
                seconds, stored = timed(function)
                results[name][step] = (seconds, stored - (before or 0))
        # -- full restore ----------------------------------------------------------------------------
        restore_dir = base / "restore"

        def clean():
            shutil.rmtree(restore_dir, ignore_errors=True)
            restore_dir.mkdir()

        clean()
        archive = base / "tar" / "1pct-change.tar.gz"
        seconds, _ = timed(
            lambda: subprocess.run(
                f"gzip -dc '{archive}' | tar -C {restore_dir} -xf -", shell=True, check=True
            )
        )
        results["tar"]["restore"] = (seconds, 0)
        clean()
        seconds, _ = timed(
            lambda: subprocess.run(
                ["restic", "restore", "latest", "--target", str(restore_dir)],
                env=env,
                check=True,
                capture_output=True,
            )
        )
        results["restic"]["restore"] = (seconds, 0)
        clean()
        repository = Repository(str(project_repo), password=PASSWORD, cache_dir=config["cache_dir"])
        seconds, restored = timed(
            lambda: restore_site(
                repository,
                host="pn-bench",
                work_dir=str(base / "work"),
                webroot=str(restore_dir / "court"),
                source_webroot=config["webroot"],
                staging_dir=config["staging_dir"],
                keep_previous=False,
            )
        )
        if not restored["verification"]["ok"]:
            raise SystemExit("project restore did not match the manifest")
        results["project"]["restore"] = (seconds, 0)

        print(
            f"{'step':<12} {'tar|gzip s':>11} {'MB':>8} {'restic s':>9} {'MB':>8} {'project s':>10} {'MB':>8}"
            f" {'proj/restic':>11} {'proj/tar':>9}"
        )
        for step in ("first", "unchanged", "1% change", "restore"):
            t, r, p = results["tar"][step], results["restic"][step], results["project"][step]
            print(
                f"{step:<12} {t[0]:>11.2f} {t[1] / MB:>8.2f} {r[0]:>9.2f} {r[1] / MB:>8.3f} {p[0]:>10.2f}"
                f" {p[1] / MB:>8.3f} {p[0] / r[0]:>11.2f} {p[0] / t[0]:>9.3f}"
            )
        print()
        unchanged = results["project"]["unchanged"]
        overhead_first = results["project"]["first"][0] / results["restic"]["first"][0] - 1
        overhead_unchanged = results["project"]["unchanged"][0] / results["restic"]["unchanged"][0] - 1
        checks = [
            ("unchanged backup adds < 1 MB", unchanged[1] < MB, f"{unchanged[1] / 1024:.0f} KiB"),
            (
                "unchanged backup < 10% of tar time",
                unchanged[0] < 0.1 * results["tar"]["unchanged"][0],
                f"{unchanged[0] / results['tar']['unchanged'][0]:.1%}",
            ),
            ("project overhead over restic < 20% (first)", overhead_first < 0.2, f"{overhead_first:+.1%}"),
            (
                "project overhead over restic < 20% (unchanged)",
                overhead_unchanged < 0.2,
                f"{overhead_unchanged:+.1%}",
            ),
        ]
        for label, ok, value in checks:
            print(f"{'PASS' if ok else 'MISS'}  {label}: {value}")
        stored_tar = du(base / "tar")
        stored_project = du(project_repo)
        print(
            f"\nStored after 3 backups: tar|gzip {stored_tar / MB:.0f} MB, "
            f"project restic {stored_project / MB:.0f} MB (ratio {stored_project / stored_tar:.2f})"
        )
        return 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
