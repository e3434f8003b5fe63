"""The right-to-assessment deadline: 10 working days, Norwegian public holidays excluded."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samforlop.core.workdays import add_working_days, is_working_day, working_days_between

D = dt.date


@pytest.mark.parametrize("received, deadline", [
    (D(2026, 11, 20), D(2026, 12, 4)),   # a Friday: two weekends
    (D(2026, 11, 21), D(2026, 12, 4)),   # received on a Saturday: counting starts Monday
    (D(2027, 3, 23), D(2027, 4, 9)),     # across Easter 2027: Maundy Thursday to Easter Monday
    (D(2026, 3, 30), D(2026, 4, 16)),    # across Easter 2026
    (D(2026, 5, 12), D(2026, 5, 28)),    # Ascension Day, 17 May (a Sunday) and Whit Monday
    (D(2026, 12, 18), D(2027, 1, 5)),    # Christmas and New Year
])
def test_ten_working_days(received, deadline):
    assert add_working_days(received, 10) == deadline


def test_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(D(2027, 3, 25))  # Maundy Thursday
    assert not is_working_day(D(2027, 3, 29))  # Easter Monday
    assert not is_working_day(D(2026, 5, 17))  # Constitution Day
    assert not is_working_day(D(2026, 11, 22))  # Sunday
    assert is_working_day(D(2026, 11, 23))


@given(st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31)), st.integers(0, 40))
def test_working_days_between_inverts_add_working_days(start, days):
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)
