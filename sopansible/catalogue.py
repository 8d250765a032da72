"""The SOP catalogue: the activities of the court SOPs, their performers, standard times and cycles.

The data lives in ``sopansible/data/sop_catalogue.yml``. Each court may write its own standard times
(Mutu Baku: Waktu) in the inventory variable ``court_sop_times``; :meth:`Catalogue.for_court` applies
them. Indonesian durations ("2 jam", "15 menit", "1 jam - 3 hari", "relatif") are parsed into seconds
by :func:`parse_duration`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ansible_collections.pn.website.plugins.module_utils.shared import sop_time as _sop_time

StandardTime = _sop_time.StandardTime
CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "sop_catalogue.yml"
CYCLES = ("harian", "mingguan", "bulanan")


class CatalogueError(ValueError):
    """Bad catalogue data or a bad per-court override; the message names what is wrong."""


class UnknownName(CatalogueError, LookupError):
    """An activity, cycle or SOP id that the catalogue does not have."""


def parse_duration(value: str) -> StandardTime:
    """Parse an Indonesian standard time ("2 jam", "1 jam - 3 hari", "relatif") into seconds."""
    try:
        return _sop_time.parse_duration(value)
    except _sop_time.DurationError as error:
        raise CatalogueError(str(error)) from None


def format_seconds(seconds: float | None, lang: str = "id") -> str:
    """Human duration: 95 -> "1 menit 35 detik" / "1 min 35 s"."""
    if seconds is None:
        return "-"
    seconds = float(seconds)
    names = ("hari", "jam", "menit", "detik") if lang != "en" else ("d", "h", "min", "s")
    if seconds < 60:
        value = f"{seconds:.1f}".rstrip("0").rstrip(".") if seconds < 10 else str(round(seconds))
        return f"{value} {names[3]}"
    rest = int(round(seconds))
    parts = []
    for size, name in ((86400, names[0]), (3600, names[1]), (60, names[2]), (1, names[3])):
        if rest >= size:
            count, rest = divmod(rest, size)
            parts.append(f"{count} {name}")
        if len(parts) == 2:
            break
    return " ".join(parts)


@dataclass(frozen=True)
class Activity:
    id: str
    sop: str
    no: int
    aktivitas: str
    activity_en: str
    pelaksana: tuple[str, ...]
    persyaratan: str
    requirements_en: str
    waktu: StandardTime
    output: str
    output_en: str
    periodicity: str
    cycle: str | None
    playbook: str | None
    done_by: str
    overridden: bool = False

    # Mapping-style access, so that an activity reads like the YAML row it came from.
    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in _FIELDS else default

    def __getitem__(self, key: str) -> Any:
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def text(self, lang: str = "id") -> str:
        return self.activity_en if lang == "en" else self.aktivitas

    def output_text(self, lang: str = "id") -> str:
        return self.output_en if lang == "en" else self.output

    def requirements(self, lang: str = "id") -> str:
        return self.requirements_en if lang == "en" else self.persyaratan

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["pelaksana"] = list(self.pelaksana)
        data["waktu"] = self.waktu.as_dict()
        return data


_FIELDS = frozenset(f.name for f in dataclasses.fields(Activity))
_REQUIRED = (
    "id",
    "sop",
    "nomor",
    "aktivitas",
    "activity_en",
    "pelaksana",
    "persyaratan",
    "requirements_en",
    "waktu",
    "output",
    "output_en",
    "periodicity",
    "cycle",
    "playbook",
    "done_by",
)


@dataclass(frozen=True)
class Catalogue:
    """The SOP catalogue, optionally with one court's standard times applied."""

    activities: tuple[Activity, ...]
    performers: Mapping[str, Mapping[str, str]]
    sops: Mapping[str, Mapping[str, Any]]
    cycles: Mapping[str, Mapping[str, Any]]
    court: str | None = None
    _index: Mapping[str, Activity] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {a.id: a for a in self.activities})

    # -- look-ups -----------------------------------------------------------------------------------
    def activity(self, activity_id: str) -> Activity:
        try:
            return self._index[activity_id]
        except KeyError:
            raise UnknownName(
                f"aktivitas SOP '{activity_id}' tidak dikenal; yang dikenal: {', '.join(self._index)}"
            ) from None

    def get(self, activity_id: str) -> Activity | None:
        return self._index.get(activity_id)

    def ids(self) -> list[str]:
        return [a.id for a in self.activities]

    def of_sop(self, sop: str) -> list[Activity]:
        return [a for a in self.activities if a.sop == sop]

    def cycle(self, name: str) -> list[Activity]:
        """Activities of a cycle (harian, mingguan, bulanan), in SOP order."""
        if name not in self.cycles:
            raise UnknownName(f"siklus '{name}' tidak dikenal; pilihan: {', '.join(self.cycles)}")
        return [a for a in self.activities if a.cycle == name]

    def cycle_playbooks(self, name: str) -> list[str]:
        """Playbooks to run for a cycle, in order, each once. Activities done by sopansible itself
        (reports, reviews from the history store) have no playbook."""
        seen: list[str] = []
        for activity in self.cycle(name):
            if activity.playbook and activity.playbook not in seen:
                seen.append(activity.playbook)
        return seen

    def performer(self, key: str, lang: str = "id") -> str:
        names = self.performers.get(key) or {}
        return names.get("en" if lang == "en" else "id") or key

    def performers_of(self, activity_id: str, lang: str = "id") -> list[str]:
        return [self.performer(p, lang) for p in self.activity(activity_id).pelaksana]

    def sop(self, sop: str = "website") -> Mapping[str, Any]:
        try:
            return self.sops[sop]
        except KeyError:
            raise UnknownName(f"SOP '{sop}' tidak dikenal; pilihan: {', '.join(self.sops)}") from None

    def standard_time(self, activity_id: str) -> StandardTime:
        return self.activity(activity_id).waktu

    # -- per-court overrides --------------------------------------------------------------------------
    def for_court(self, court_vars: Mapping[str, Any] | None, court: str | None = None) -> Catalogue:
        """A copy with the court's ``court_sop_times`` applied. Unknown activities or unreadable times
        raise :class:`CatalogueError` naming the court and the variable."""
        times = (court_vars or {}).get("court_sop_times") or {}
        where = f"{court}: " if court else ""
        if not isinstance(times, Mapping):
            raise CatalogueError(f"{where}court_sop_times harus berupa dict, bukan {type(times).__name__}")
        replaced = {}
        for activity_id, text in times.items():
            if activity_id not in self._index:
                raise CatalogueError(
                    f"{where}court_sop_times.{activity_id}: aktivitas SOP tidak dikenal; "
                    f"yang dikenal: {', '.join(self._index)}"
                )
            try:
                replaced[activity_id] = parse_duration(text)
            except CatalogueError as exc:
                raise CatalogueError(f"{where}court_sop_times.{activity_id}: {exc}") from None
        activities = tuple(
            dataclasses.replace(a, waktu=replaced[a.id], overridden=True) if a.id in replaced else a
            for a in self.activities
        )
        return Catalogue(activities, self.performers, self.sops, self.cycles, court=court)

    def as_dict(self) -> dict:
        return {
            "court": self.court,
            "activities": [a.as_dict() for a in self.activities],
            "performers": {k: dict(v) for k, v in self.performers.items()},
            "sops": {k: dict(v) for k, v in self.sops.items()},
            "cycles": {k: dict(v) for k, v in self.cycles.items()},
        }


def _build(data: Any, source: str) -> Catalogue:
    if not isinstance(data, Mapping):
        raise CatalogueError(f"{source}: katalog SOP harus berupa mapping YAML")
    performers = data.get("performers") or {}
    sops = data.get("sops") or {}
    cycles = data.get("cycles") or {}
    rows = data.get("activities")
    if not isinstance(rows, list) or not rows:
        raise CatalogueError(f"{source}: 'activities' harus berupa daftar yang tidak kosong")
    activities = []
    seen = set()
    for index, row in enumerate(rows):
        where = f"{source}: activities[{index}]"
        if not isinstance(row, Mapping):
            raise CatalogueError(f"{where} harus berupa mapping")
        missing = [k for k in _REQUIRED if k not in row]
        if missing:
            raise CatalogueError(f"{where} ({row.get('id', '?')}): kolom hilang: {', '.join(missing)}")
        if row["id"] in seen:
            raise CatalogueError(f"{where}: id '{row['id']}' ganda")
        seen.add(row["id"])
        if row["sop"] not in sops:
            raise CatalogueError(f"{where} ({row['id']}): SOP '{row['sop']}' tidak ada di 'sops'")
        if row["cycle"] is not None and row["cycle"] not in cycles:
            raise CatalogueError(f"{where} ({row['id']}): siklus '{row['cycle']}' tidak ada di 'cycles'")
        unknown = [p for p in row["pelaksana"] if p not in performers]
        if unknown:
            raise CatalogueError(f"{where} ({row['id']}): pelaksana tidak dikenal: {', '.join(unknown)}")
        try:
            waktu = parse_duration(row["waktu"])
        except CatalogueError as exc:
            raise CatalogueError(f"{where} ({row['id']}): {exc}") from None
        activities.append(
            Activity(
                id=str(row["id"]),
                sop=str(row["sop"]),
                no=int(row["nomor"]),
                aktivitas=str(row["aktivitas"]),
                activity_en=str(row["activity_en"]),
                pelaksana=tuple(row["pelaksana"]),
                persyaratan=str(row["persyaratan"]),
                requirements_en=str(row["requirements_en"]),
                waktu=waktu,
                output=str(row["output"]),
                output_en=str(row["output_en"]),
                periodicity=str(row["periodicity"]),
                cycle=row["cycle"],
                playbook=row["playbook"],
                done_by=str(row["done_by"]),
            )
        )
    return Catalogue(tuple(activities), performers, sops, cycles)


def load(path: str | Path | None = None) -> Catalogue:
    """Load the catalogue (the packaged one by default)."""
    if path is None:
        return _default()
    return _load(Path(path))


def _load(path: Path) -> Catalogue:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"katalog SOP tidak dapat dibaca: {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"katalog SOP {path} bukan YAML yang sah: {exc}") from None
    return _build(data, str(path))


@functools.lru_cache(maxsize=1)
def _default() -> Catalogue:
    return _load(CATALOGUE_PATH)


@functools.lru_cache(maxsize=1)
def _manual_rows() -> tuple:
    data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8")) or {}
    rows = data.get("manual_activities") or []
    if not isinstance(rows, list):
        raise CatalogueError(f"{CATALOGUE_PATH}: 'manual_activities' harus berupa daftar")
    return tuple(dict(row) for row in rows if isinstance(row, Mapping))


def manual_activities(lang: str = "id") -> list[dict]:
    """The activities of the IT SOP only people do (the packaged catalogue's ``manual_activities``):
    [{"id", "activity", "performers", "periodicity"}] in LANG, for the report's checklist."""
    performers = _default().performers
    out = []
    for row in _manual_rows():
        names = [
            performers.get(p, {}).get("en" if lang == "en" else "id", p) for p in row.get("pelaksana") or []
        ]
        out.append(
            {
                "id": str(row.get("id")),
                "activity": str(row.get("activity_en" if lang == "en" else "aktivitas")),
                "performers": ", ".join(names),
                "periodicity": str(row.get("periodicity_en" if lang == "en" else "periodicity") or ""),
            }
        )
    return out


def cycle(name: str) -> list[Activity]:
    """Activities of a cycle in the packaged catalogue (``catalogue.cycle("harian")``)."""
    return _default().cycle(name)


def cycle_playbooks(name: str) -> list[str]:
    """Playbooks of a cycle in the packaged catalogue, in order, each once."""
    return _default().cycle_playbooks(name)


def for_court(court_vars: Mapping[str, Any] | None, court: str | None = None) -> Catalogue:
    return _default().for_court(court_vars, court)


def activity_ids(sops: Iterable[str] | None = None) -> list[str]:
    cat = _default()
    return [a.id for a in cat.activities if sops is None or a.sop in set(sops)]
