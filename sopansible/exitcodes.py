"""The exit codes of every ``sopansible`` command (README.md, "Exit codes").

One scheme for all commands, so that cron, AWX and scripts can act on any of them alike:

====  ===========================================================================================
code  meaning
====  ===========================================================================================
0     everything is ok
1     warnings (the worst result, finding or item is a warning)
2     critical findings
3     something failed or could not be reached: a court (failed or unreachable), a notification
      that was not delivered, a PDF that was not printed, a crontab or systemctl that failed
4     bad input or usage: an unknown option or activity, an inventory, file or value that cannot
      be used (argparse's own errors too)
130   cancelled (Ctrl-C)
====  ===========================================================================================

When a command has several things to say, the most serious one wins in this order: cancelled,
bad input, failed, critical, warning, ok.
"""

from __future__ import annotations

from collections.abc import Iterable

OK = 0
WARNING = 1
CRITICAL = 2
FAILED = 3
USAGE = 4
CANCELLED = 130

#: The exit code of each SOP result status (CONTRIBUTING.md), and of a cancelled run.
BY_STATUS = {
    "ok": OK,
    "warning": WARNING,
    "critical": CRITICAL,
    "failed": FAILED,
    "unreachable": FAILED,
    "cancelled": CANCELLED,
}
_PRECEDENCE = (OK, WARNING, CRITICAL, FAILED, USAGE, CANCELLED)


def for_status(status: str | None) -> int:
    """The exit code of a run or result status; a status this scheme does not know is a failure."""
    return BY_STATUS.get(status or "", FAILED)


def worst(codes: Iterable[int]) -> int:
    """The most serious of CODES (see the module documentation); OK when there are none."""
    ranked = [_PRECEDENCE.index(code) for code in codes]
    return _PRECEDENCE[max(ranked)] if ranked else OK


def for_statuses(statuses: Iterable[str | None]) -> int:
    """The exit code of several results: the most serious of their statuses."""
    return worst(for_status(status) for status in statuses)
