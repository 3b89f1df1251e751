"""Deadlines count working hours in Vietnam's time; tracking codes are easy to read aloud."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.deadlines import add_working_hours, case_deadlines
from handlers.settings import AppConfig, WorkingHours
from handlers.tracking import ALPHABET, new_code, parse_code

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=VN)  # 23 Nov 2026 is a Monday


@pytest.mark.parametrize("start, hours, expected", [
    (vn(23, 9), 8, vn(24, 9)),          # Monday 9:00 + one working day
    (vn(23, 12, 30), 1, vn(23, 14)),     # lunch is not working time
    (vn(27, 16), 2, vn(30, 9)),          # Friday afternoon rolls over the weekend
    (vn(28, 10), 8, vn(30, 17)),         # a report on Saturday starts counting on Monday
    (vn(23, 20), 0.5, vn(24, 8, 30)),    # at night: from the next morning
])
def test_working_hours(start: datetime, hours: float, expected: datetime) -> None:
    assert add_working_hours(start, hours, WorkingHours(), VN) == expected


def test_urgent_cases_run_on_the_clock(app_config: AppConfig) -> None:
    start = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # a Saturday night
    accept, resolve = case_deadlines(app_config, "women", True, start)
    assert (accept - start, resolve - start) == (timedelta(hours=1), timedelta(hours=24))
    accept, resolve = case_deadlines(app_config, "union", False, start)
    assert resolve - start == timedelta(days=15) and accept.astimezone(VN).weekday() == 0


def test_a_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(vn(23, 9), 1, WorkingHours(days=[]), VN)


def test_codes_avoid_look_alike_characters() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(c.startswith("LN-") and len(c) == 9 and set(c[3:]) <= set(ALPHABET) for c in codes)
    assert not set("01OI") & set(ALPHABET)


@pytest.mark.parametrize("typed, code", [
    ("LN-7K3Q9P", "LN-7K3Q9P"), ("ln-7k3q9p", "LN-7K3Q9P"), ("ma cua toi la LN7K3Q9P nhe", "LN-7K3Q9P"),
    ("abc", None), ("LN-123", None),
])
def test_codes_are_found_in_what_citizens_type(typed: str, code: str | None) -> None:
    assert parse_code(typed) == code
