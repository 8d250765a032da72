# Copyright: (c) 2026, pn.website maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every SOP run in the sopansible history, whatever runs the playbooks.

``sopansible run`` records its runs itself: it drives ansible-playbook through ansible-runner and
reads the job events. A run that something else starts (``ansible-playbook`` from cron, AWX,
ansible-runner) reaches this plugin instead: it turns the callbacks into the same job events,
hands them to the same reader (``sopansible.events.EventCollector``), and at the end of the playbook
calls the one record -> notify -> report sequence (``sopansible.pipeline``).

One run, one record: the ansible-playbook that ``sopansible run`` starts gets ``SOPANSIBLE_RUN_ID``
in its environment, and the plugin then stays silent. sopansible keeps the recording there because
only it sees what no callback can: a playbook that does not load (ansible-playbook's exit code) and
a cancelled run, which must not be recorded.

Nothing here may fail a play: without sopansible the plugin warns once and does nothing, and an
error while recording is a warning (the error's text, credentials masked, never a result).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sop_history
type: aggregate
short_description: Record each court's SOP result in the sopansible history, notify and report
version_added: "0.2.0"
author:
  - pn.website maintainers (@pn-website)
description:
  - Collects the SOP result (C(pn_sop_result)) of every court and activity of the playbook, and the
    failed and unreachable courts with their reason, exactly as C(sopansible run) does.
  - At the end of the playbook it records the run in the history store of the sopansible data
    folder (C(history.sqlite), or C(SOPANSIBLE_DB)) with the courts left to redo (also written as the
    retry file C(retry/<playbook>.retry)), sends the notifications
    of C(<data>/notify.yml) (each problem once) and, if asked, writes the court reports and the
    fleet dashboard (C(<data>/reports)).
  - So a run is recorded whatever starts the playbook, C(ansible-playbook), cron, ansible-runner or
    an AWX job. A run started by C(sopansible run) is recorded by sopansible itself, once (see
    O(sopansible_run_id)).
  - Needs the C(sopansible) Python package on the controller (in the execution environment for
    AWX). Without it the plugin warns once and records nothing. It never fails a play; a run that
    cannot be recorded is a warning.
  - The courts are the hosts of the C(courts) group (within the limit); their C(court_*) inventory
    variables are kept for the reports without secrets (passwords, tokens, keys and vaulted values
    are left out).
requirements:
  - the sopansible package (this repository, C(pip install .))
  - enable it in C(callbacks_enabled) of C(ansible.cfg) (the repository's C(ansible.cfg) does)
options:
  data:
    description:
      - The sopansible data folder that holds the history store C(history.sqlite), the retry files
        and the reports.
      - Unset, the C(var/) folder of the sopansible project.
      - On AWX, a persistent volume; a job container's own folder is lost when the job ends.
    type: path
    env:
      - name: SOPANSIBLE_DATA
    ini:
      - section: callback_sop_history
        key: data
  notify:
    description:
      - Send the run's notifications (e-mail, Telegram, webhooks) as C(<data>/notify.yml) says; without
        that file nothing is sent.
    type: bool
    default: true
    env:
      - name: SOPANSIBLE_HISTORY_NOTIFY
    ini:
      - section: callback_sop_history
        key: notify
  report:
    description:
      - Also write the court reports and the fleet dashboard into C(<data>/reports) after each run.
      - Off by default. For hundreds of courts a separate job running C(sopansible report) once a day
        costs less.
    type: bool
    default: false
    env:
      - name: SOPANSIBLE_HISTORY_REPORT
    ini:
      - section: callback_sop_history
        key: report
  lang:
    description:
      - Language of the notifications and reports.
    type: str
    choices: [id, en]
    default: id
    env:
      - name: SOPANSIBLE_LANG
    ini:
      - section: callback_sop_history
        key: lang
  sopansible_run_id:
    description:
      - Set by C(sopansible run) for the ansible-playbook it starts; that run is recorded by sopansible
        itself, so the plugin records nothing. Do not set it yourself.
    type: str
    env:
      - name: SOPANSIBLE_RUN_ID
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# callbacks_enabled = pn.website.sop_history
#
# [callback_sop_history]
# data = /srv/sopansible
# report = true
#
# or per run:
#   SOPANSIBLE_DATA=/srv/sopansible ansible-playbook -i inventories/mine playbooks/harian.yml
"""

import os  # noqa: E402 - Ansible plugins put their documentation first
from pathlib import Path  # noqa: E402

from ansible.plugins.callback import CallbackBase  # noqa: E402

from ansible_collections.pn.website.plugins.module_utils.shared import redact as _redact  # noqa: E402

try:  # ansible-core 2.19+: plain Python values, vaulted values redacted
    from ansible.utils.vars import transform_to_native_types
except ImportError:  # pragma: no cover - older ansible-core
    transform_to_native_types = None

COURTS_GROUP = "courts"
_MAX_WARNING = 500


def _part(result, name):
    """RESULT's host, task or result (the public names of ansible-core 2.19, the old private ones before)."""
    value = getattr(result, name, None)
    return value if value is not None else getattr(result, "_" + name)


def _results_part(result, action, events):
    """Only what the collector reads of an ok result (events.results_part), as plain data: converting a
    whole result (a log analysis with its evidence, every court's probe) costs more than the rest of
    this plugin."""
    raw = getattr(result, "_return_data", None)  # ansible-core 2.19: not yet converted
    if raw is None:
        raw = _part(result, "result")
    return _plain(events.results_part(raw, action))


def _plain(value):
    """VALUE as plain Python data; a vaulted value never decrypted (dropped)."""
    if transform_to_native_types is not None:
        return transform_to_native_types(value, redact=True)
    if getattr(value, "__ENCRYPTED__", False):  # pragma: no cover - older ansible-core
        return None
    if isinstance(value, dict):  # pragma: no cover - older ansible-core
        return dict((str(key), _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):  # pragma: no cover - older ansible-core
        return [_plain(item) for item in value]
    if isinstance(value, str):  # pragma: no cover - older ansible-core (AnsibleUnsafeText)
        return str(value)
    return value  # pragma: no cover


def _warning_text(error):
    text = "%s: %s" % (type(error).__name__, error)
    return _redact.redact_text(text)[:_MAX_WARNING]


class CallbackModule(CallbackBase):
    """Turns the playbook's callbacks into ansible-runner's job events and records the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "pn.website.sop_history"
    CALLBACK_NEEDS_ENABLED = True

    #: One warning per controller process that sopansible cannot be imported.
    _missing_warned = False

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._sopansible = None
        self._collector = None
        self._off = False
        self._name = "playbook"
        self._started = None
        self._variables = None
        self._inventory = None

    # -- set-up ------------------------------------------------------------------------------------
    def _ready(self):
        """True when this run is to be recorded here (sopansible importable, not a sopansible run)."""
        if self._off:
            return False
        if self._collector is not None:
            return True
        if self.get_option("sopansible_run_id"):
            self._display.vvv("pn.website.sop_history: sopansible records this run itself")
            self._off = True
            return False
        try:
            from sopansible import events, pipeline
        except ImportError as error:
            if not CallbackModule._missing_warned:
                CallbackModule._missing_warned = True
                self._display.warning(
                    "pn.website.sop_history: sopansible tidak terpasang, hasil SOP tidak dicatat / "
                    "sopansible is not installed, SOP results are not recorded (%s)" % _warning_text(error)
                )
            self._off = True
            return False
        self._sopansible = (events, pipeline)
        self._collector = events.EventCollector()
        self._started = events.now()
        return True

    def _event(self, kind, host=None, **data):
        """Hand one job event, shaped as ansible-runner's, to the collector; never raise."""
        if not self._ready():
            return
        if host is not None:
            data["host"] = host
        events = self._sopansible[0]
        try:
            self._collector.handle({"event": kind, "created": events.now(), "event_data": data})
        except Exception as error:  # pylint: disable=broad-except
            # a bad event must not fail the play
            self._off = True
            self._display.warning("pn.website.sop_history: run not recorded: %s" % _warning_text(error))

    def _task_event(self, kind, result, **data):
        if not self._ready():
            return
        task = _part(result, "task")
        action = getattr(task, "resolved_action", None) or task.action
        if kind == "runner_on_ok":
            res = _results_part(result, action, self._sopansible[0])
        else:
            res = _part(result, "result")
        self._event(
            kind,
            _part(result, "host").get_name(),
            task=task.name or task.action,
            task_action=action,
            res=res,
            **data,
        )

    # -- callbacks ---------------------------------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        self._name = Path(getattr(playbook, "_file_name", None) or "playbook").stem
        self._ready()

    def v2_playbook_on_play_start(self, play):
        if self._variables is None:
            self._variables = play.get_variable_manager()
            self._inventory = getattr(self._variables, "_inventory", None)
        self._event("playbook_on_play_start", play=play.get_name())

    def v2_runner_on_start(self, host, task):
        self._event("runner_on_start", host.get_name(), task=task.name or task.action)

    def v2_runner_on_ok(self, result):
        self._task_event("runner_on_ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_event("runner_on_failed", result, ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._task_event("runner_on_unreachable", result)

    def v2_runner_on_skipped(self, result):
        task = _part(result, "task")
        self._event("runner_on_skipped", _part(result, "host").get_name(), task=task.name or task.action)

    def v2_playbook_on_stats(self, stats):
        if not self._ready() or not self._collector.results:
            return  # nothing an SOP play gave (or a run recorded elsewhere)
        try:
            self._record()
        except Exception as error:  # pylint: disable=broad-except
            # recording must never fail the play
            self._display.warning(
                "pn.website.sop_history: hasil SOP tidak tercatat / SOP results not recorded: %s"
                % _warning_text(error)
            )

    # -- recording ---------------------------------------------------------------------------------
    def _courts(self):
        """The courts of the run (the ``courts`` group within the limit) and their public variables."""
        inventory = self._inventory
        if inventory is None or COURTS_GROUP not in inventory.groups:
            return {}
        from sopansible import inventory as inventories

        hosts = inventory.get_hosts(COURTS_GROUP)
        hostvars = {}
        for host in hosts:
            variables = self._variables.get_vars(host=host, include_hostvars=False, stage="all")
            court = dict((k, v) for k, v in variables.items() if str(k).startswith("court_"))
            hostvars[host.name] = _plain(court)
        known = inventories.Inventory(source="", hostvars=hostvars, groups={COURTS_GROUP: set(hostvars)})
        return dict((court, known.public_court_vars(court)) for court in sorted(hostvars))

    def _sources(self):
        sources = getattr(self._inventory, "_sources", None) or []
        named = [str(Path(source).resolve()) if os.path.exists(source) else str(source) for source in sources]
        return ",".join(named) or None

    def _record(self):
        events, pipeline = self._sopansible
        data = self.get_option("data")
        if data:
            # sopansible finds its data folder (history, retry files, reports) here
            os.environ["SOPANSIBLE_DATA"] = str(data)
        lang = self.get_option("lang")
        outcome = pipeline.collected(
            self._collector,
            name=self._name,
            started=self._started,
            finished=events.now(),
            inventory=self._sources(),
            courts=self._courts(),
        )
        from sopansible import store

        with store.HistoryStore() as history:
            pipeline.record(outcome, history=history)
            # the SQLite file, or the PostgreSQL server's URL without its password (path is None there)
            where = _redact.redact_text(str(getattr(history, "where", None) or getattr(history, "path", "")))
            self._display.display(
                "pn.website.sop_history: %d hasil SOP dicatat / SOP results recorded: %s (%s)"
                % (len(outcome.results), outcome.run_id, where)
            )
            if self.get_option("notify"):
                notified = pipeline.notify(outcome, lang=lang, history=history)  # never raises
                for problem in notified.get("errors") or []:
                    self._display.warning(
                        "pn.website.sop_history: notifikasi gagal / notification failed: %s"
                        % _redact.redact_text(str(problem.get("error")))[:_MAX_WARNING]
                    )
            if self.get_option("report"):
                try:
                    index = pipeline.report(outcome, lang=lang, history=history)
                except Exception as error:  # pylint: disable=broad-except
                    # the run is recorded; `sopansible report` can write the reports later
                    self._display.warning(
                        "pn.website.sop_history: laporan tidak ditulis / reports not written: %s"
                        % _warning_text(error)
                    )
                else:
                    self._display.display("pn.website.sop_history: laporan / reports: %s" % index)
