"""Chinese working days: public holidays and make-up working days (调休) from the ``chinese_calendar`` package.

Deadlines such as "reply within 10 working days" (seed 003) count working days the way PRC law counts periods
(《民法典》第二百零一条：开始的当日不计入，自下一日开始计算): the day of submission is not counted, and the
deadline is the n-th working day after it.  A weekend day that the State Council turned into a working day
(e.g. Sunday 2025-09-28 before National Day) counts; a weekday inside a holiday does not.

The package knows only the years the State Council has published; a date outside them raises
:class:`~dashboard.errors.UserError` (``error.calendar_out_of_range``) instead of silently treating holidays as
working days.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import numpy as np

from dashboard.errors import UserError

#: First and last year the installed calendar covers (the package raises outside them, too, but without a key).
FIRST_YEAR = min(chinese_calendar.holidays).year
LAST_YEAR = max(chinese_calendar.holidays).year

# For counting with numpy: holidays on weekdays are days off numpy does not know about, and make-up working
# days are weekend days numpy would skip.
_WEEKDAY_HOLIDAYS = np.array(sorted(d for d in chinese_calendar.holidays if d.weekday() < 5), dtype="datetime64[D]")
_MAKEUP_DAYS = np.array(sorted(d for d in chinese_calendar.workdays if d.weekday() >= 5), dtype="datetime64[D]")


def _checked(day: dt.date) -> dt.date:
    """``day`` as a plain date, or a UserError when the calendar does not cover its year."""
    if isinstance(day, dt.datetime):  # also pandas.Timestamp
        day = day.date()
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise UserError("error.calendar_out_of_range", date=day.isoformat(), first=FIRST_YEAR, last=LAST_YEAR)
    return day


def is_working_day(day: dt.date) -> bool:
    """Whether ``day`` is a working day in mainland China (make-up weekend days included, holidays excluded).

    Raises
    ------
    UserError
        ``error.calendar_out_of_range`` when ``day`` is outside the years the calendar covers.
    """
    return chinese_calendar.is_workday(_checked(day))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself is not counted; ``n = 0`` returns ``start``).

    Parameters
    ----------
    start
        The day of submission (any day, working or not).
    n
        Working days allowed, ``n >= 0``.

    Returns
    -------
    datetime.date
        The deadline.  ``working_days_between(start, add_working_days(start, n)) == n``.

    Raises
    ------
    UserError
        ``error.calendar_out_of_range`` when a day reached is outside the years the calendar covers.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    day = _checked(start)
    while n > 0:
        day = _checked(day + dt.timedelta(days=1))
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``.

    ``working_days_between(due_date, as_of)`` is how many working days a reply is overdue (≤ 0: not overdue).

    Raises
    ------
    UserError
        ``error.calendar_out_of_range`` when ``a`` or ``b`` is outside the years the calendar covers.
    """
    a, b = _checked(a), _checked(b)
    if b < a:
        return -working_days_between(b, a)
    lo, hi = np.datetime64(a, "D") + 1, np.datetime64(b, "D") + 1  # the half-open range (a, b]
    weekdays = int(np.busday_count(lo, hi, holidays=_WEEKDAY_HOLIDAYS))
    makeup = int(np.count_nonzero((_MAKEUP_DAYS >= lo) & (_MAKEUP_DAYS < hi)))
    return weekdays + makeup
