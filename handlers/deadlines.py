"""Deadlines: accept within N working hours, resolve within N days; urgent cases on clock hours.

Working time is Monday-Friday office hours minus Vietnam's public holidays.  The holidays come
from the maintained `holidays` package (Tết and the lunar dates it computes, Hùng Kings, 30/4,
1/5, 2/9 and the substitute days the government announces), plus any dates config.yml adds.
A resolve deadline ends when the office closes on a working day, so a citizen is never told a
body will answer at 03:00 on a Sunday or on the first day of Tết.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from handlers.settings import AppConfig, WorkingHours
from handlers.texts import render

__all__ = ["add_working_hours", "case_deadlines", "format_local", "holiday_checker", "is_working_day"]

HolidayCheck = Callable[[date], bool]


def _no_holidays(_day: date) -> bool:
    return False


@functools.cache
def _country_holidays(country: str) -> holidays.HolidayBase:
    """One lazily filled calendar per country for the process (years are computed on demand)."""
    return holidays.country_holidays(country)


def holiday_checker(config: AppConfig) -> HolidayCheck:
    """`day -> is it a public holiday` for the configured country and extra dates."""
    extra = frozenset(config.holidays.extra)
    country = _country_holidays(config.holidays.country) if config.holidays.country else None

    def is_holiday(day: date) -> bool:
        return day in extra or (country is not None and day in country)
    return is_holiday


def is_working_day(day: date, calendar: WorkingHours, is_holiday: HolidayCheck = _no_holidays) -> bool:
    return day.weekday() in calendar.days and not is_holiday(day)


def add_working_hours(start: datetime, hours: float, calendar: WorkingHours, tz: ZoneInfo,
                      is_holiday: HolidayCheck = _no_holidays) -> datetime:
    """Walk forward through the office periods of working days until `hours` have been spent."""
    remaining = timedelta(hours=hours)
    current = start.astimezone(tz)
    for _ in range(366 * 3):  # bounded: a calendar with no working time must not loop forever
        if is_working_day(current.date(), calendar, is_holiday):
            for begin, end in calendar.periods:
                period_start = current.replace(hour=begin.hour, minute=begin.minute, second=0, microsecond=0)
                period_end = current.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
                if current >= period_end:
                    continue
                usable_from = max(current, period_start)
                available = period_end - usable_from
                if remaining <= available:
                    return usable_from + remaining
                remaining -= available
                current = period_end
        current = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    raise ValueError("the working-hours calendar has no working time")


def end_of_working_day(start: datetime, days: float, calendar: WorkingHours, tz: ZoneInfo,
                       is_holiday: HolidayCheck = _no_holidays) -> datetime:
    """Closing time of the first working day on or after `start` + `days` calendar days."""
    if not calendar.periods:
        raise ValueError("the working-hours calendar has no working time")
    day = (start.astimezone(tz) + timedelta(days=days)).date()
    for _ in range(366 * 3):
        if is_working_day(day, calendar, is_holiday):
            close = max(end for _begin, end in calendar.periods)
            return datetime(day.year, day.month, day.day, close.hour, close.minute, tzinfo=tz)
        day += timedelta(days=1)
    raise ValueError("the working-hours calendar has no working time")


def case_deadlines(config: AppConfig, domain: str, urgent: bool, start: datetime) -> tuple[datetime, datetime]:
    """(accept by, resolve by) for a case opened at `start`; urgent cases keep clock hours."""
    rule = config.deadline_rule(domain)
    if urgent:
        return start + timedelta(hours=rule.urgent_accept_hours), start + timedelta(hours=rule.urgent_resolve_hours)
    tz = ZoneInfo(config.timezone)
    is_holiday = holiday_checker(config)
    accept = add_working_hours(start, rule.accept_working_hours, config.working_hours, tz, is_holiday)
    resolve = end_of_working_day(start, rule.resolve_days, config.working_hours, tz, is_holiday)
    return accept, max(accept, resolve)


def format_local(moment: datetime, config: AppConfig, language: str = "vi") -> str:
    """A deadline as a citizen reads it: "trước 17:00 thứ Hai 21/12/2026"."""
    local = moment.astimezone(ZoneInfo(config.timezone))
    return render("deadline.by", language, {
        "time": local.strftime("%H:%M"),
        "weekday": render(f"weekday.{local.weekday()}", language),
        "date": local.strftime("%d/%m/%Y"),
    })
