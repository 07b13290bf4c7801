"""Chinese working days: National Day and Spring Festival deadlines, make-up working days, calendar range."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.errors import UserError
from dashboard.workdays import FIRST_YEAR, LAST_YEAR, add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        # National Day 2025.  Submitted Friday 26 Sep; the submission day is not counted.  Sat 27 Sep is off;
        # Sun 28 Sep is a make-up working day (1); Mon 29 (2), Tue 30 (3); 1–8 Oct is the National Day and
        # Mid-Autumn holiday; Thu 9 (4), Fri 10 (5); Sat 11 Oct is a make-up working day (6); Sun 12 is off;
        # Mon 13 (7), Tue 14 (8), Wed 15 (9), Thu 16 (10).
        (D(2025, 9, 26), 10, D(2025, 10, 16)),
        # Spring Festival 2026.  Submitted Thursday 12 Feb: Fri 13 (1); Sat 14 Feb is a make-up working day (2);
        # 15–23 Feb is the holiday; Tue 24 (3), Wed 25 (4), Thu 26 (5), Fri 27 (6); Sat 28 Feb is a make-up
        # working day (7); Sun 1 Mar is off; Mon 2 (8), Tue 3 (9), Wed 4 Mar (10).
        (D(2026, 2, 12), 10, D(2026, 3, 4)),
        # Submitted on a Saturday: counting starts the next day, so Monday 9 Mar is working day 1 and the tenth
        # is Friday 20 Mar (not Monday 23 Mar, which counting Monday as day 0 would give).
        (D(2026, 3, 7), 10, D(2026, 3, 20)),
        # An ordinary fortnight: Wednesday + 10 working days = the Wednesday two weeks later.
        (D(2024, 4, 10), 10, D(2024, 4, 24)),
        (D(2025, 9, 26), 0, D(2025, 9, 26)),
    ],
)
def test_add_working_days(start, n, due):
    assert add_working_days(start, n) == due
    assert working_days_between(start, due) == n


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2025, 9, 28), True),  # Sunday, make-up working day before National Day
        (D(2025, 10, 11), True),  # Saturday, make-up working day after National Day
        (D(2026, 2, 14), True),  # Saturday, make-up working day before Spring Festival
        (D(2026, 2, 28), True),  # Saturday, make-up working day after Spring Festival
        (D(2025, 10, 8), False),  # Wednesday inside the National Day holiday
        (D(2026, 2, 17), False),  # Tuesday, Spring Festival
        (D(2025, 10, 12), False),  # an ordinary Sunday
        (D(2025, 10, 13), True),  # an ordinary Monday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_make_up_saturday_counts_toward_a_deadline():
    # Friday 10 Oct 2025 + 1 working day is Saturday 11 Oct (a make-up day), not Monday 13 Oct.
    assert add_working_days(D(2025, 10, 10), 1) == D(2025, 10, 11)
    assert working_days_between(D(2025, 10, 10), D(2025, 10, 13)) == 2


def test_working_days_between_is_signed():
    assert working_days_between(D(2025, 10, 16), D(2025, 9, 26)) == -10
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0  # inside the holiday


def test_timestamps_are_accepted():
    assert add_working_days(pd.Timestamp("2025-09-26"), 10) == D(2025, 10, 16)


def test_negative_n_is_a_programming_error():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 1, 2), -1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_working_day(D(LAST_YEAR + 1, 1, 5)),
        lambda: is_working_day(D(FIRST_YEAR - 1, 6, 1)),
        lambda: working_days_between(D(2025, 1, 2), D(LAST_YEAR + 1, 1, 5)),
        # A deadline that runs past the last published year fails instead of ignoring holidays.
        lambda: add_working_days(D(LAST_YEAR, 12, 28), 10),
    ],
)
def test_out_of_range_is_a_user_error(call):
    with pytest.raises(UserError) as info:
        call()
    assert info.value.key == "error.calendar_out_of_range"
    assert info.value.params["first"] == FIRST_YEAR and info.value.params["last"] == LAST_YEAR


dates = st.dates(min_value=D(FIRST_YEAR, 1, 1), max_value=D(LAST_YEAR, 10, 31))


@given(start=dates, n=st.integers(min_value=0, max_value=40))
def test_between_inverts_add(start, n):
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    assert n == 0 or is_working_day(due)


@given(a=dates, span=st.integers(min_value=0, max_value=120))
def test_between_matches_a_day_by_day_count(a, span):
    b = min(a + dt.timedelta(days=span), D(LAST_YEAR, 12, 31))
    naive = sum(chinese_calendar.is_workday(a + dt.timedelta(days=k)) for k in range(1, (b - a).days + 1))
    assert working_days_between(a, b) == naive
    assert working_days_between(b, a) == -naive
