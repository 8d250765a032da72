# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The W2 result of a court on a day no backup runs: what the last run (the nightly timer's, usually)
left in the court's status file.

Runs on the controller (the ``pn.website.backup_status`` action). The status file comes from the court
server, so it is untrusted: read within a byte limit, any shape other than the engine's own is a finding
rather than an error, and only the fields below reach the result.
"""

from __future__ import annotations

import datetime
import json

from ansible_collections.pn.website.plugins.module_utils.shared import sop_result

# A status file of backup_run.py is a few kilobytes; anything much larger is not one.
MAX_STATUS_BYTES = 1024 * 1024
# No backup or a failed one (critical findings) fails W2; a stale one (high) is a warning.
RULE = {"failed": "critical", "warning": "high"}
TARGET_FIELDS = ("name", "type", "status", "snapshot_id", "duration")


def parse_status(text):
    """The last run from the status file's text: ``(job, problem)``. No file (``None``) is ``({}, "")``;
    text that is not a JSON object is ``({}, why)``."""
    if text is None:
        return {}, ""
    try:
        job = json.loads(text)
    except ValueError as error:
        return {}, "bukan JSON (%s)" % error
    if not isinstance(job, dict):
        return {}, "bukan objek JSON"
    return job, ""


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def _finished_at(job):
    """When the run finished (UTC; the engine writes ISO 8601 in UTC), or None."""
    finished = job.get("finished")
    if not isinstance(finished, str) or not finished:
        return None
    try:
        finished_at = datetime.datetime.strptime(finished[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return finished_at.replace(tzinfo=datetime.timezone.utc)


def age_hours(job, now):
    """Hours since the run finished, to a tenth; None when the file names no valid time."""
    finished = _finished_at(job)
    if finished is None:
        return None
    return round((now - finished).total_seconds() / 3600, 1)


def errors(job):
    """The messages of the run's errors and of its failed targets."""
    messages = [_dict(error).get("message") for error in _list(job.get("errors"))]
    messages += [
        _dict(target.get("error")).get("message")
        for target in _list(job.get("targets"))
        if isinstance(target, dict) and "error" in target
    ]
    return messages


def job_outputs(job, now):
    """The ``last_job_*`` outputs every W2 result carries (the run before this one)."""
    age = age_hours(job, now)
    dump = _dict(job.get("dump"))
    return {
        "last_job_status": job.get("status", "none"),
        "last_job_finished": job.get("finished") or "",
        "last_job_age_hours": age,
        "last_job_trigger": job.get("trigger", ""),
        "last_job": {
            "status": job.get("status", "none"),
            "exit_code": job.get("exit_code"),
            "run_id": job.get("run_id", ""),
            "trigger": job.get("trigger", ""),
            "started": job.get("started", ""),
            "finished": job.get("finished") or "",
            "age_hours": age,
            "dump_verified": dump.get("verified", False),
            "dump_error": dump.get("error", ""),
            "durations": _dict(job.get("durations")),
            "targets": [
                {key: target[key] for key in TARGET_FIELDS if key in target}
                for target in _list(job.get("targets"))
                if isinstance(target, dict)
            ],
            "errors": errors(job),
        },
    }


def _judgement(job, problem, status_file, max_age_hours, age):
    """``(summary, findings)`` of the last run."""
    rule = None  # with its severity and evidence: the finding, if any
    if problem:
        summary = "Status backup terakhir di server (%s) tidak terbaca: %s." % (status_file, problem)
        rule, severity, evidence = "backup-failed", "critical", {"status_file": status_file}
    elif not job:
        summary = "Belum ada backup terjadwal yang tercatat di server (%s tidak ada)." % status_file
        rule, severity, evidence = "backup-never-ran", "critical", {"status_file": status_file}
    elif job.get("status", "failed") != "ok":
        reasons = [message for message in errors(job) if message]
        reason = reasons[0] if reasons else "kesalahan tidak diketahui"
        summary = "Backup terakhir (%s) GAGAL: %s" % (job.get("finished") or "?", reason)
        evidence = {"run_id": job.get("run_id", ""), "exit_code": job.get("exit_code")}
        rule, severity = "backup-failed", "critical"
    elif age is None:
        summary = "Backup terakhir berhasil tetapi waktu selesainya tidak tercatat di %s." % status_file
        evidence = {"age_hours": None, "run_id": job.get("run_id", "")}
        rule, severity = "backup-stale", "high"
    elif age > max_age_hours:
        summary = "Backup terakhir berhasil tetapi sudah %s jam lalu (batas %g jam): %s" % (
            age,
            max_age_hours,
            "jadwal backup tidak berjalan?",
        )
        evidence = {"age_hours": age, "run_id": job.get("run_id", "")}
        rule, severity = "backup-stale", "high"
    else:
        verified = _dict(job.get("dump")).get("verified", False)
        summary = "Backup terjadwal terakhir berhasil %s jam lalu%s" % (
            age,
            "; dump basis data terverifikasi." if verified else ".",
        )
    if rule is None:
        return summary, []
    return summary, [sop_result.finding(rule, severity, summary, evidence)]


def judge(text, status_file, max_age_hours, now=None, problem=""):
    """The W2 ``pn_sop_result`` of the last run, from the status file's text (``None``: no file; a
    ``problem`` reading it is judged like an unreadable file), and the run's :func:`job_outputs`:
    ``(result, job_outputs)``."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    job, unreadable = ({}, problem) if problem else parse_status(text)
    age = age_hours(job, now)
    summary, findings = _judgement(job, unreadable, status_file, max_age_hours, age)
    first = next(
        (t for t in _list(job.get("targets")) if isinstance(t, dict) and t.get("status") == "ok"),
        {},
    )
    dump = _dict(job.get("dump"))
    outputs = {
        "snapshot_id": first.get("snapshot_id", ""),
        "size_bytes": first.get("size_bytes", 0),
        "files": first.get("files", 0),
        "data_added": first.get("data_added", 0),
        "repository": first.get("repository", ""),
        "dump_verified": dump.get("verified", False),
        "duration": _dict(job.get("durations")).get("total", 0),
        "run_id": job.get("run_id", ""),
        "restic_version": job.get("restic_version", ""),
    }
    last_job = job_outputs(job, now)
    outputs.update(last_job)
    return sop_result.result("W2", rule=RULE, summary=summary, findings=findings, outputs=outputs), last_job
