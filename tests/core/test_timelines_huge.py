"""Adding more business time than fits before year 9998 is refused quickly and clearly."""

from __future__ import annotations

import pytest

from slakeeper.core import CalendarError, add_us, make_calendar

WEEKDAYS = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize("seconds", [10**12, 2**70, 1180591620717411303424])
def test_add_beyond_the_last_year_is_an_error_not_a_crash(seconds: int) -> None:
    calendar = make_calendar("ny", timezone="America/New_York", weekly=WEEKDAYS)
    start = 1_795_442_400_000_000  # 2026-11-23T14:00:00Z
    with pytest.raises(CalendarError, match="result falls after year 9998"):
        add_us(calendar, start, seconds * 1_000_000)
