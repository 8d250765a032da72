"""Schedules for the SOP cycles: cron entries or systemd timers that run ``sopansible run CYCLE -i INV``
and then ``sopansible report``.

The frequency of each cycle comes from the SOP catalogue (``cycles.<name>.schedule``: daily, weekly,
monthly; harian, mingguan and bulanan by default). Default times are staggered so that the cycles do not
start together: harian 02:30 every day, mingguan 03:30 on Sunday (Minggu), bulanan 04:30 on the 1st.
Every job takes one lock (``flock`` on ``DATA/schedule.lock``) so runs never overlap: a job waits for the
one before it (``lock_wait`` seconds, 3 hours by default) and gives up after that. Output is appended to
``DATA/logs/schedule-<cycle>.log``.

Every value written into a cron line or a unit (user, paths, the command's words, cycle names, times)
is checked first (:func:`check_values`): a newline would start a line of its own (a cron job, a unit
directive), and a user name with a space would shift the command into the user field.

Cron: a marked block (``# BEGIN sopansible schedule`` ... ``# END sopansible schedule``) in a cron.d
file (``/etc/cron.d/sopansible`` when run as root, with a user field) or in the user's crontab (through
``crontab -l`` / ``crontab -``). Installing again replaces the block; removing deletes only the block.
systemd: ``sopansible-<cycle>.service`` + ``.timer`` units carrying a marker comment, in
``/etc/systemd/system`` (root) or ``~/.config/systemd/user``; only units with the marker are removed.
With ``watch`` (an interval), also ``sopansible-watch.service``: ``sopansible watch`` (W1 every few
minutes) as a service that systemd keeps running, beside the cycles and without their lock.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ansible_collections.pn.website.plugins.module_utils.inventory import court_contract
from ansible_collections.pn.website.plugins.module_utils.shared.sop_result import BilingualError

BEGIN = "# BEGIN sopansible schedule"
END = "# END sopansible schedule"
MARKER = "# Managed by `sopansible schedule`; change with `sopansible schedule install|remove`."
CRON_D = Path("/etc/cron.d/sopansible")
SYSTEM_UNITS = Path("/etc/systemd/system")
DEFAULT_TIMES = {"harian": "02:30", "mingguan": "03:30", "bulanan": "04:30"}
DEFAULT_WEEKDAY = 0  # Sunday (Minggu)
DEFAULT_MONTHDAY = 1
DEFAULT_LOCK_WAIT = 3 * 3600
WEEKDAYS = {
    "minggu": 0, "senin": 1, "selasa": 2, "rabu": 3, "kamis": 4, "jumat": 5, "sabtu": 6,
    "sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
    "sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "ahad": 0, "jum'at": 5,
}  # fmt: skip
SYSTEMD_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
FREQUENCIES = ("daily", "weekly", "monthly")


class ScheduleError(BilingualError):
    """Bad schedule options or a crontab / unit directory that cannot be changed."""


class ScheduleFailed(ScheduleError):
    """The options were fine, but crontab, systemctl or the file system refused or failed."""


@dataclass
class Entry:
    """One scheduled cycle."""

    cycle: str
    frequency: str  # daily | weekly | monthly
    hour: int
    minute: int
    weekday: int = DEFAULT_WEEKDAY
    monthday: int = DEFAULT_MONTHDAY

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"

    def cron(self) -> str:
        """The five time fields of a cron line."""
        day = str(self.monthday) if self.frequency == "monthly" else "*"
        weekday = str(self.weekday) if self.frequency == "weekly" else "*"
        return f"{self.minute} {self.hour} {day} * {weekday}"

    def on_calendar(self) -> str:
        """The systemd OnCalendar= expression."""
        clock = f"{self.hour:02d}:{self.minute:02d}:00"
        if self.frequency == "weekly":
            return f"{SYSTEMD_DAYS[self.weekday]} *-*-* {clock}"
        if self.frequency == "monthly":
            return f"*-*-{self.monthday:02d} {clock}"
        return f"*-*-* {clock}"

    def describe(self, lang: str = "id") -> str:
        if self.frequency == "weekly":
            names = ("Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu")
            if lang == "en":
                names = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
            return (
                (f"every {names[self.weekday]} at {self.time}")
                if lang == "en"
                else (f"setiap hari {names[self.weekday]} pukul {self.time}")
            )
        if self.frequency == "monthly":
            return (
                (f"on day {self.monthday} of every month at {self.time}")
                if lang == "en"
                else (f"setiap tanggal {self.monthday} pukul {self.time}")
            )
        return f"every day at {self.time}" if lang == "en" else f"setiap hari pukul {self.time}"


def check_values(entries: list[Entry], job: Job, user: str | None = None) -> None:
    """Refuse (ScheduleError naming the option) any value that cannot go safely into a cron line or a
    systemd unit. Quoting handles spaces, quotes, ``$`` and ``%`` in paths; nothing handles a newline."""
    if user is not None and not court_contract.is_user_name(user):
        shown = court_contract.shown(user)
        raise ScheduleError(
            f"--user: '{shown}' bukan nama pengguna yang sah (huruf, angka, '_', '.', '-'; "
            "tidak diawali '-'; tanpa spasi atau baris baru)",
            f"--user: '{shown}' is not a valid user name (letters, digits, '_', '.', '-'; "
            "not starting with '-'; no spaces or newlines)",
        )
    words = [
        ("--inventory", str(job.inventory)),
        ("SOPANSIBLE_DATA", str(job.data_dir)),
        ("SOPANSIBLE_HOME", str(job.project)),
        ("flock", job.flock),
    ] + [("sopansible", str(word)) for word in job.executable]
    if job.metrics_textfile is not None:
        words.append(("--metrics-textfile", str(job.metrics_textfile)))
    for label, value in words:
        if court_contract.has_control(value) or not value:
            shown = court_contract.shown(value)
            raise ScheduleError(
                f"{label}: '{shown}' berisi baris baru atau karakter kendali; tidak dapat "
                "ditulis ke berkas cron atau unit systemd",
                f"{label}: '{shown}' holds a newline or control character; it cannot go into "
                "a cron file or systemd unit",
            )
    for label, path in (
        ("--inventory", job.inventory),
        ("SOPANSIBLE_DATA", job.data_dir),
        ("SOPANSIBLE_HOME", job.project),
        *([("--metrics-textfile", job.metrics_textfile)] if job.metrics_textfile is not None else []),
    ):
        if not Path(path).is_absolute():
            raise ScheduleError(
                f"{label}: '{path}' harus path absolut", f"{label}: '{path}' must be an absolute path"
            )
    if (
        isinstance(job.lock_wait, bool)
        or not isinstance(job.lock_wait, int)
        or not 0 <= job.lock_wait <= 86400
    ):
        raise ScheduleError("--lock-wait harus 0-86400 detik", "--lock-wait must be 0-86400 seconds")
    if job.lang not in ("id", "en"):
        raise ScheduleError(f"--lang: '{court_contract.shown(str(job.lang))}' (id | en)")
    for entry in entries:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,31}", str(entry.cycle)):
            name = court_contract.shown(str(entry.cycle))
            raise ScheduleError(
                f"siklus '{name}': nama tidak sah (huruf kecil, angka, '_', '-')",
                f"cycle '{name}': not a valid name (lower-case letters, digits, '_', '-')",
            )
        numbers = (entry.hour, entry.minute, entry.weekday, entry.monthday)
        if (
            entry.frequency not in FREQUENCIES
            or any(isinstance(n, bool) or not isinstance(n, int) for n in numbers)
            or not (0 <= entry.hour <= 23 and 0 <= entry.minute <= 59)
            or not (0 <= entry.weekday <= 6 and 1 <= entry.monthday <= 28)
        ):
            raise ScheduleError(
                f"jadwal {entry.cycle} tidak sah: {entry!r}", f"invalid schedule of {entry.cycle}: {entry!r}"
            )


# -- options ---------------------------------------------------------------------------------------------
def cycle_frequencies() -> dict[str, str]:
    """{cycle: daily|weekly|monthly} from the SOP catalogue."""
    from sopansible import catalogue

    out = {}
    for name, data in catalogue.load().cycles.items():
        frequency = str((data or {}).get("schedule") or "daily")
        out[name] = frequency if frequency in FREQUENCIES else "daily"
    return out


def parse_time(text: str, where: str = "--at") -> tuple[int, int]:
    match = re.fullmatch(r"([01]?\d|2[0-3])[:.]([0-5]\d)", text.strip())
    if not match:
        raise ScheduleError(
            f"{where}: '{text}' bukan jam yang sah (HH:MM, contoh 02:30)",
            f"{where}: '{text}' is not a valid time (HH:MM, e.g. 02:30)",
        )
    return int(match.group(1)), int(match.group(2))


def parse_weekday(value: str | int) -> int:
    text = str(value).strip().lower()
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text) % 7
    if text in WEEKDAYS:
        return WEEKDAYS[text]
    raise ScheduleError(
        f"--weekday: '{value}' bukan hari (0-6 dengan 0 = Minggu, atau minggu/senin/.../sabtu)",
        f"--weekday: '{value}' is not a day (0-6 with 0 = Sunday, or sun/mon/.../sat)",
    )


def parse_monthday(value: str | int) -> int:
    text = str(value).strip()
    if text.isdigit() and 1 <= int(text) <= 28:
        return int(text)
    raise ScheduleError(
        f"--monthday: '{value}' harus 1-28 (tanggal yang ada di setiap bulan)",
        f"--monthday: '{value}' must be 1-28 (a day every month has)",
    )


def plan_entries(
    cycles: list[str] | None = None,
    at: list[str] | None = None,
    weekday: str | int = DEFAULT_WEEKDAY,
    monthday: str | int = DEFAULT_MONTHDAY,
) -> list[Entry]:
    """The entries to install. ``at`` items are ``CYCLE=HH:MM`` or ``HH:MM``; a bare time is the first
    selected cycle's, and the others follow one hour apart (staggered, in the order given)."""
    frequencies = cycle_frequencies()
    names = list(dict.fromkeys(cycles or list(frequencies)))
    for name in names:
        if name not in frequencies:
            raise ScheduleError(
                f"siklus '{name}' tidak dikenal; pilihan: {', '.join(frequencies)}",
                f"unknown cycle '{name}'; choose from: {', '.join(frequencies)}",
            )
    times = {name: parse_time(DEFAULT_TIMES.get(name, "02:30")) for name in names}
    for item in at or []:
        cycle, sep, clock = item.partition("=")
        if sep:
            cycle = cycle.strip()
            if cycle not in names:
                raise ScheduleError(
                    f"--at {item}: siklus '{cycle}' tidak dipasang; dipasang: {', '.join(names)}",
                    f"--at {item}: cycle '{cycle}' is not being installed; installing: {', '.join(names)}",
                )
            times[cycle] = parse_time(clock, f"--at {item}")
        else:
            hour, minute = parse_time(item)
            for offset, name in enumerate(names):
                total = (hour * 60 + minute + 60 * offset) % (24 * 60)
                times[name] = divmod(total, 60)
    day, mday = parse_weekday(weekday), parse_monthday(monthday)
    return [Entry(n, frequencies[n], times[n][0], times[n][1], day, mday) for n in names]


# -- the command each entry runs ----------------------------------------------------------------------------
@dataclass
class Job:
    """What a scheduled cycle runs, with every path absolute."""

    inventory: Path
    data_dir: Path
    executable: list[str]
    project: Path
    lock_wait: int = DEFAULT_LOCK_WAIT
    pdf: bool = False
    lang: str = "id"
    flock: str = "flock"
    #: The node_exporter textfile every recorded run writes (SOPANSIBLE_METRICS_TEXTFILE), if any.
    metrics_textfile: Path | None = None
    #: Where the watch service serves its Prometheus metrics (a loopback HOST:PORT), if anywhere.
    watch_metrics: str | None = None

    @property
    def lock(self) -> Path:
        return self.data_dir / "schedule.lock"

    def log(self, cycle: str) -> Path:
        return self.data_dir / "logs" / f"schedule-{cycle}.log"

    def script(self, cycle: str) -> str:
        """The shell script run under the lock: the cycle, then the reports (also after a run that
        found problems: its exit status is not 0 then), sent to the recipients each court names when
        they are due (``--deliver``: once per period, so a second cycle the same day sends nothing)."""
        base = [*self.executable, "--lang", self.lang]
        run = [*base, "run", cycle, "-i", str(self.inventory), "--no-report"]
        report = [*base, "report"] + (["--pdf"] if self.pdf else []) + ["--deliver"]
        return f'echo "== $(date -u -Iseconds) sopansible {cycle}"; {shlex.join(run)}; {shlex.join(report)}'

    def argv(self, cycle: str) -> list[str]:
        """The command as an argument list (flock, then sh -c SCRIPT)."""
        return [self.flock, "-w", str(self.lock_wait), str(self.lock), "/bin/sh", "-c", self.script(cycle)]

    def watch_argv(self, interval: str) -> list[str]:
        """The watch service's command (W1 every few minutes; no lock: it runs beside the cycles)."""
        return [
            *self.executable,
            "--lang",
            self.lang,
            "watch",
            "-i",
            str(self.inventory),
            "--interval",
            interval,
            *(["--metrics", self.watch_metrics] if self.watch_metrics else []),
        ]

    def environment(self) -> dict[str, str]:
        env = {"SOPANSIBLE_DATA": str(self.data_dir), "SOPANSIBLE_HOME": str(self.project)}
        if self.metrics_textfile is not None:
            env["SOPANSIBLE_METRICS_TEXTFILE"] = str(self.metrics_textfile)
        return env

    def cron_command(self, cycle: str) -> str:
        """The command part of a cron line: shell-quoted, with ``%`` escaped (cron turns a bare ``%``
        into a newline)."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.environment().items())
        command = (
            f"mkdir -p {shlex.quote(str(self.log(cycle).parent))} && cd {shlex.quote(str(self.project))} && "
            f"{env} {shlex.join(self.argv(cycle))} >> {shlex.quote(str(self.log(cycle)))} 2>&1"
        )
        return command.replace("%", "\\%")


def default_job(inventory: str | Path, **options: Any) -> Job:
    from sopansible.paths import PROJECT_ROOT, data_dir

    path = Path(inventory).expanduser()
    if not path.exists():
        raise ScheduleError(f"inventori tidak ada: {path}", f"inventory not found: {path}")
    textfile = options.pop("metrics_textfile", None)
    listen = options.pop("watch_metrics", None)
    if listen:
        from sopansible import metrics

        try:  # refused here, not in a service that would fail and restart every 30 s
            host, port = metrics.parse_listen(listen)
        except metrics.MetricsError as exc:
            raise ScheduleError(str(exc), exc.message("en")) from None
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return Job(
        inventory=path.resolve(),
        data_dir=Path(options.pop("data_dir", None) or data_dir()).resolve(),
        metrics_textfile=Path(textfile).expanduser().absolute() if textfile else None,
        watch_metrics=listen or None,
        executable=options.pop("executable", None) or sopansible_command(),
        project=PROJECT_ROOT.resolve(),
        flock=shutil.which("flock") or "/usr/bin/flock",
        **options,
    )


def sopansible_command() -> list[str]:
    """An absolute command that starts this sopansible (cron and systemd have a minimal PATH)."""
    beside = Path(sys.executable).with_name("sopansible")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("sopansible")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "sopansible.cli"]


# -- cron ------------------------------------------------------------------------------------------------
CRON_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
)


def cron_block(entries: list[Entry], job: Job, user: str | None, lang: str = "id") -> list[str]:
    check_values(entries, job, user)
    lines = [BEGIN, MARKER]
    for entry in entries:
        lines.append(f"# {entry.cycle}: {entry.describe('en')} / {entry.describe('id')}")
        fields = [entry.cron()] + ([user] if user else [])
        lines.append(" ".join(fields + [job.cron_command(entry.cycle)]))
    lines.append(END)
    return lines


def validate_cron_line(line: str, with_user: bool) -> dict:
    """Check one cron entry: five valid time fields, (a user), and a command that a shell can split.
    Returns {"fields", "user", "command"}; raises ScheduleError naming what is wrong."""
    parts = line.split(None, 6 if with_user else 5)
    if len(parts) < (7 if with_user else 6):
        raise ScheduleError(f"baris cron tidak lengkap: {line}", f"incomplete cron line: {line}")
    for (name, low, high), value in zip(CRON_FIELDS, parts[:5], strict=True):
        for piece in value.split(","):
            body, _, step = piece.partition("/")
            if step and not step.isdigit():
                raise ScheduleError(f"kolom cron {name}: '{value}'", f"cron field {name}: '{value}'")
            for number in [] if body == "*" else body.split("-"):
                if not number.isdigit() or not low <= int(number) <= high:
                    raise ScheduleError(f"kolom cron {name}: '{value}'", f"cron field {name}: '{value}'")
    command = parts[-1]
    if re.search(r"(?<!\\)%", command):
        raise ScheduleError(
            f"'%' tanpa escape di perintah cron: {command}", "unescaped '%' in a cron command"
        )
    try:
        words = shlex.split(command.replace("\\%", "%"))
    except ValueError as exc:
        raise ScheduleError(
            f"perintah cron tidak dapat dipecah: {exc}", f"cron command cannot be split: {exc}"
        ) from None
    return {"fields": parts[:5], "user": parts[5] if with_user else None, "command": command, "words": words}


def replace_block(text: str, block: list[str] | None) -> str:
    """The crontab text with our marked block replaced (or removed with ``block=None``); everything else
    is kept as it is."""
    lines = text.splitlines()
    out: list[str] = []
    inside = False
    placed = False
    for line in lines:
        if line.strip() == BEGIN:
            inside = True
            if block is not None and not placed:
                out.extend(block)
                placed = True
            continue
        if inside:
            if line.strip() == END:
                inside = False
            continue
        out.append(line)
    if inside:
        raise ScheduleError(
            f"blok '{BEGIN}' tanpa '{END}'; perbaiki berkas crontab dengan tangan",
            f"'{BEGIN}' block without '{END}'; fix the crontab by hand",
        )
    if block is not None and not placed:
        while out and not out[-1].strip():
            out.pop()
        if out:
            out.append("")
        out.extend(block)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def read_block(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip() == BEGIN:
            inside = True
            continue
        if inside and line.strip() == END:
            inside = False
            continue
        if inside:
            lines.append(line)
    return lines


class CronTarget:
    """A cron.d file (with a user field) or the user's crontab (``crontab`` command)."""

    def __init__(self, path: Path | None = None, crontab: str = "crontab") -> None:
        if path is None and os.geteuid() == 0:
            path = CRON_D
        self.path = path
        self.crontab = crontab
        self.with_user = path is not None

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "crontab"

    def read(self) -> str:
        if self.path is not None:
            try:
                return self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                return ""
            except OSError as exc:
                raise ScheduleFailed(f"{self.path}: {exc.strerror}", f"{self.path}: {exc.strerror}") from None
        result = self._crontab(["-l"], check=False)
        if result.returncode != 0:
            if "no crontab" in (result.stderr or "").lower():
                return ""
            raise ScheduleFailed(
                f"crontab -l gagal: {(result.stderr or '').strip()}",
                f"crontab -l failed: {(result.stderr or '').strip()}",
            )
        return result.stdout

    def write(self, text: str) -> None:
        if self.path is not None:
            try:
                if not text:
                    self.path.unlink(missing_ok=True)
                    return
                self.path.parent.mkdir(parents=True, exist_ok=True)
                tmp = self.path.with_name(f".{self.path.name}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.chmod(0o644)  # cron ignores cron.d files writable by group or others
                os.replace(tmp, self.path)
            except OSError as exc:
                raise ScheduleFailed(f"{self.path}: {exc.strerror}", f"{self.path}: {exc.strerror}") from None
            return
        if text:
            self._crontab(["-"], input_text=text)
        else:
            self._crontab(["-r"], check=False)

    def _crontab(self, args: list[str], input_text: str | None = None, check: bool = True):
        binary = shutil.which(self.crontab)
        if not binary:
            raise ScheduleFailed(
                "perintah crontab tidak ada (apt-get install cron), atau pakai --cron-file / --systemd",
                "the crontab command is missing (apt-get install cron); or use --cron-file / --systemd",
            )
        try:
            result = subprocess.run(
                [binary, *args], input=input_text, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ScheduleFailed(f"crontab gagal: {exc}", f"crontab failed: {exc}") from None
        if check and result.returncode != 0:
            raise ScheduleFailed(
                f"crontab {' '.join(args)} gagal: {result.stderr.strip()}",
                f"crontab {' '.join(args)} failed: {result.stderr.strip()}",
            )
        return result


def install_cron(entries: list[Entry], job: Job, target: CronTarget, user: str | None = None) -> dict:
    user = (user or getpass.getuser()) if target.with_user else None
    block = cron_block(entries, job, user)
    for line in block:
        if not line.startswith("#"):
            validate_cron_line(line, target.with_user)
    before = target.read()
    after = replace_block(before, block)
    if after != before:
        target.write(after)
    return {"target": target.name, "changed": after != before, "lines": block}


def show_cron(target: CronTarget) -> dict:
    lines = read_block(target.read())
    entries = [line for line in lines if line and not line.startswith("#")]
    return {"target": target.name, "installed": bool(lines), "lines": lines, "entries": entries}


def remove_cron(target: CronTarget) -> dict:
    before = target.read()
    after = replace_block(before, None)
    if after != before:
        target.write(after)
    return {"target": target.name, "changed": after != before}


# -- systemd ---------------------------------------------------------------------------------------------
def default_unit_dir() -> Path:
    if os.geteuid() == 0:
        return SYSTEM_UNITS
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def systemd_quote(word: str) -> str:
    """One ExecStart= word: double-quoted with C escapes, ``%`` and ``$`` doubled (systemd expands
    specifiers and variables itself)."""
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    if re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", word) and "%" not in word:
        return escaped
    return f'"{escaped}"'


def systemd_env(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


WATCH_UNIT = "sopansible-watch.service"


def check_watch_interval(interval: str) -> str:
    """The watch interval as written into the unit: a number with an optional unit (5, 5m, 30s, 1h)."""
    from sopansible.watch import WatchError, parse_interval

    text = str(interval).strip()
    try:
        usable = bool(re.fullmatch(r"\d{1,6}(\.\d{1,3})?(s|m|h)?", text)) and parse_interval(text) > 0
    except WatchError:
        usable = False
    if not usable:
        shown = court_contract.shown(text)
        raise ScheduleError(
            f"--watch-interval: '{shown}' bukan selang waktu (contoh 5m, 30s, 1h)",
            f"--watch-interval: '{shown}' is not an interval (e.g. 5m, 30s, 1h)",
        )
    return text


def watch_unit(job: Job, interval: str) -> str:
    """The long-running service of `sopansible watch` (restarted by systemd if it ever stops)."""
    log = str(job.log("watch")).replace("%", "%%")
    env = "\n".join(f"Environment={systemd_env(f'{k}={v}')}" for k, v in job.environment().items())
    return (
        f"{MARKER}\n"
        "[Unit]\n"
        f"Description=sopansible watch: W1 setiap {interval} / W1 every {interval}\n"
        "After=network-online.target\nWants=network-online.target\n\n"
        "[Service]\nType=simple\n"
        f"WorkingDirectory={str(job.project).replace('%', '%%')}\n"
        f"{env}\n"
        f"ExecStartPre=/bin/mkdir -p {systemd_quote(str(job.log('watch').parent))}\n"
        f"ExecStart={' '.join(systemd_quote(w) for w in job.watch_argv(interval))}\n"
        f"StandardOutput=append:{log}\nStandardError=append:{log}\n"
        "Restart=always\nRestartSec=30\n"
        "Nice=5\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def unit_files(entries: list[Entry], job: Job, watch: str | None = None) -> dict[str, str]:
    """{file name: content} of the service and timer of every entry, and the watch service when WATCH
    (its interval) is given."""
    check_values(entries, job)
    files = {}
    if watch is not None:
        files[WATCH_UNIT] = watch_unit(job, check_watch_interval(watch))
    for entry in entries:
        name = f"sopansible-{entry.cycle}"
        env = "\n".join(f"Environment={systemd_env(f'{k}={v}')}" for k, v in job.environment().items())
        log = str(job.log(entry.cycle)).replace("%", "%%")
        files[f"{name}.service"] = (
            f"{MARKER}\n"
            "[Unit]\n"
            f"Description=sopansible {entry.cycle}: siklus SOP lalu laporan / SOP cycle, then reports\n"
            "After=network-online.target\nWants=network-online.target\n\n"
            "[Service]\nType=oneshot\n"
            f"WorkingDirectory={str(job.project).replace('%', '%%')}\n"
            f"{env}\n"
            f"ExecStartPre=/bin/mkdir -p {systemd_quote(str(job.log(entry.cycle).parent))}\n"
            f"ExecStart={' '.join(systemd_quote(w) for w in job.argv(entry.cycle))}\n"
            f"StandardOutput=append:{log}\nStandardError=append:{log}\n"
            "Nice=5\n"
        )
        files[f"{name}.timer"] = (
            f"{MARKER}\n"
            "[Unit]\n"
            f"Description=sopansible {entry.cycle}: {entry.describe('id')} / {entry.describe('en')}\n\n"
            "[Timer]\n"
            f"OnCalendar={entry.on_calendar()}\n"
            "Persistent=true\n"
            f"Unit={name}.service\n\n"
            "[Install]\n"
            "WantedBy=timers.target\n"
        )
    return files


def _ours(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == MARKER
    except OSError:
        return False


def install_systemd(
    entries: list[Entry], job: Job, unit_dir: Path, activate: bool = False, watch: str | None = None
) -> dict:
    files = unit_files(entries, job, watch)
    changed = []
    try:
        unit_dir.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            path = unit_dir / name
            if path.exists() and not _ours(path):
                raise ScheduleError(
                    f"{path} sudah ada dan bukan buatan sopansible; tidak ditimpa",
                    f"{path} exists and was not written by sopansible; not overwritten",
                )
            if not path.exists() or path.read_text(encoding="utf-8") != content:
                path.write_text(content, encoding="utf-8")
                changed.append(name)
    except OSError as exc:
        raise ScheduleFailed(f"{unit_dir}: {exc.strerror}", f"{unit_dir}: {exc.strerror}") from None
    if activate:
        timers = [n for n in files if n.endswith(".timer")]
        _systemctl(unit_dir, ["daemon-reload"])
        _systemctl(unit_dir, ["enable", "--now", *timers])
        if WATCH_UNIT in files:
            _systemctl(unit_dir, ["enable", WATCH_UNIT])
            _systemctl(unit_dir, ["restart" if WATCH_UNIT in changed else "start", WATCH_UNIT])
    return {"target": str(unit_dir), "changed": bool(changed), "files": sorted(files), "written": changed}


def show_systemd(unit_dir: Path) -> dict:
    files = sorted(
        p for p in unit_dir.glob("sopansible-*.*") if p.suffix in (".service", ".timer") and _ours(p)
    )
    timers = {}
    for path in files:
        if path.suffix == ".timer":
            match = re.search(r"^OnCalendar=(.*)$", path.read_text(encoding="utf-8"), re.M)
            timers[path.stem.removeprefix("sopansible-")] = match.group(1) if match else None
    return {
        "target": str(unit_dir),
        "installed": bool(files),
        "files": [p.name for p in files],
        "timers": timers,
        "watch": any(p.name == WATCH_UNIT for p in files),
    }


def remove_systemd(unit_dir: Path, activate: bool = False) -> dict:
    found = show_systemd(unit_dir)
    if activate and found["files"]:
        running = [f for f in found["files"] if f.endswith(".timer") or f == WATCH_UNIT]
        _systemctl(unit_dir, ["disable", "--now", *running])
    for name in found["files"]:
        (unit_dir / name).unlink(missing_ok=True)
    if activate and found["files"]:
        _systemctl(unit_dir, ["daemon-reload"])
    return {"target": str(unit_dir), "changed": bool(found["files"]), "removed": found["files"]}


def _systemctl(unit_dir: Path, args: list[str]) -> None:
    command = ["systemctl"] + ([] if unit_dir == SYSTEM_UNITS else ["--user"]) + args
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ScheduleFailed(
            f"{' '.join(command)} gagal: {exc}", f"{' '.join(command)} failed: {exc}"
        ) from None
    if result.returncode != 0:
        raise ScheduleFailed(
            f"{' '.join(command)} gagal: {result.stderr.strip()}",
            f"{' '.join(command)} failed: {result.stderr.strip()}",
        )


def next_runs(entries: list[Entry], now: _dt.datetime | None = None) -> dict[str, str]:
    """{cycle: the next start (local time, ISO)} for display."""
    now = now or _dt.datetime.now().replace(second=0, microsecond=0)
    out = {}
    for entry in entries:
        moment = now.replace(hour=entry.hour, minute=entry.minute)
        for _ in range(400):
            if moment > now and (
                entry.frequency == "daily"
                or (entry.frequency == "weekly" and (moment.weekday() + 1) % 7 == entry.weekday)
                or (entry.frequency == "monthly" and moment.day == entry.monthday)
            ):
                break
            moment += _dt.timedelta(days=1)
        out[entry.cycle] = moment.isoformat(timespec="minutes")
    return out


# -- reading back what is installed (the report's "Jadwal Pemeliharaan") ---------------------------------
_CYCLE_LOG = re.compile(r"schedule-([A-Za-z0-9_-]{1,64})\.log")
_ON_CALENDAR = re.compile(
    r"(?:(?P<day>Sun|Mon|Tue|Wed|Thu|Fri|Sat) )?\*-\*-(?P<mday>\*|\d{2}) (?P<h>\d{2}):(?P<m>\d{2}):00"
)


def _cron_entry(fields: list[str], cycle: str) -> Entry | None:
    """The Entry a cron line's time fields say, when they have a form ``sopansible schedule`` writes."""
    minute, hour, mday, month, wday = fields
    if not (minute.isdigit() and hour.isdigit() and month == "*"):
        return None
    if mday == "*" and wday == "*":
        return Entry(cycle, "daily", int(hour), int(minute))
    if mday == "*" and wday.isdigit():
        return Entry(cycle, "weekly", int(hour), int(minute), weekday=int(wday) % 7)
    if mday.isdigit() and wday == "*":
        return Entry(cycle, "monthly", int(hour), int(minute), monthday=int(mday))
    return None


def installed(cron: CronTarget | None = None, unit_dir: Path | None = None, lang: str = "id") -> list[dict]:
    """The schedules in force, read back from the cron block and the systemd units ``sopansible schedule
    install`` wrote: [{"cycle", "when", "how", "expression"}]. A source that cannot be read is left out
    (the report says what it found, never guesses)."""
    out: list[dict] = []
    try:
        target = cron or CronTarget()
        for line in show_cron(target)["entries"]:
            try:
                parsed = validate_cron_line(line, target.with_user)
            except ScheduleError:
                continue
            match = _CYCLE_LOG.search(parsed["command"])
            cycle = match.group(1) if match else "?"
            entry = _cron_entry(parsed["fields"], cycle)
            expression = " ".join(parsed["fields"])
            out.append(
                {
                    "cycle": cycle,
                    "when": entry.describe(lang) if entry else expression,
                    "how": f"cron ({target.name})",
                    "expression": expression,
                }
            )
    except ScheduleError:
        pass
    units = unit_dir if unit_dir is not None else default_unit_dir()
    try:
        found = show_systemd(units) if units.is_dir() else {"timers": {}, "watch": False}
    except OSError:
        found = {"timers": {}, "watch": False}
    for cycle, calendar in found["timers"].items():
        match = _ON_CALENDAR.fullmatch(calendar or "")
        entry = None
        if match:
            hour, minute = int(match.group("h")), int(match.group("m"))
            if match.group("day"):
                entry = Entry(cycle, "weekly", hour, minute, weekday=SYSTEMD_DAYS.index(match.group("day")))
            elif match.group("mday") != "*":
                entry = Entry(cycle, "monthly", hour, minute, monthday=int(match.group("mday")))
            else:
                entry = Entry(cycle, "daily", hour, minute)
        out.append(
            {
                "cycle": cycle,
                "when": entry.describe(lang) if entry else str(calendar),
                "how": f"systemd timer ({units}/sopansible-{cycle}.timer)",
                "expression": str(calendar),
            }
        )
    if found.get("watch"):
        out.append({"cycle": "watch", "when": "", "how": f"systemd ({units}/{WATCH_UNIT})", "expression": ""})
    return out
