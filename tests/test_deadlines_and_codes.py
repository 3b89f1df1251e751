"""Deadlines count working hours in Vietnam's time; tracking codes are easy to read aloud."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.deadlines import add_working_hours, case_deadlines, format_local
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
    assert accept.astimezone(VN).weekday() == 0
    # 15 days from Sunday 29/11 morning (Vietnam time) is Sunday 13/12: the office answers Monday by 17:00
    assert resolve == datetime(2026, 12, 14, 17, 0, tzinfo=VN)


@pytest.mark.parametrize("start, expected", [
    (datetime(2026, 11, 23, 10, 0, tzinfo=VN), datetime(2026, 12, 8, 17, 0, tzinfo=VN)),   # Tuesday 8/12
    (datetime(2026, 11, 27, 16, 30, tzinfo=VN), datetime(2026, 12, 14, 17, 0, tzinfo=VN)),  # lands Sat -> Mon
    # 15 days from 22/1/2027 is 6/2, the first day of Tết; the holiday runs to 10/2, so Thursday 11/2
    (datetime(2027, 1, 22, 9, 0, tzinfo=VN), datetime(2027, 2, 11, 17, 0, tzinfo=VN)),
    # 15 days from 16/8/2026 is Monday 31/8, the substitute day off before National Day: Thursday 3/9
    (datetime(2026, 8, 16, 9, 0, tzinfo=VN), datetime(2026, 9, 3, 17, 0, tzinfo=VN)),
])
def test_resolve_deadlines_end_at_closing_time_of_a_working_day(
        app_config: AppConfig, start: datetime, expected: datetime) -> None:
    _accept, resolve = case_deadlines(app_config, "union", False, start)
    assert resolve == expected


def test_accepting_skips_tet(app_config: AppConfig) -> None:
    # Wednesday 3/2/2027 16:00: one hour that day, then Tết (4/2-10/2) is not working time
    accept, _ = case_deadlines(app_config, "union", False, datetime(2027, 2, 3, 16, 0, tzinfo=VN))
    assert accept == datetime(2027, 2, 11, 16, 0, tzinfo=VN)   # 8 working hours: 1 + 4 + 3


def test_extra_holidays_from_config_are_days_off(app_config: AppConfig) -> None:
    config = app_config.model_copy(update={"holidays": app_config.holidays.model_copy(
        update={"extra": [date(2026, 12, 8)]})})
    _accept, resolve = case_deadlines(config, "union", False, datetime(2026, 11, 23, 10, 0, tzinfo=VN))
    assert resolve == datetime(2026, 12, 9, 17, 0, tzinfo=VN)


@pytest.mark.parametrize("language, expected", [
    ("vi", "trước 17:00 thứ Hai 21/12/2026"),
    ("en", "by 17:00 Monday 21/12/2026"),
])
def test_deadlines_read_as_people_say_them(app_config: AppConfig, language: str, expected: str) -> None:
    moment = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)   # 17:00 in Vietnam
    assert format_local(moment, app_config, language) == expected


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
