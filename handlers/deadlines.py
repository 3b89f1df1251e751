"""Deadlines: accept within N working hours, resolve within N days; urgent cases on clock hours."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.settings import AppConfig, WorkingHours


def add_working_hours(start: datetime, hours: float, calendar: WorkingHours, tz: ZoneInfo) -> datetime:
    """Walk forward through the office periods of working days until `hours` have been spent."""
    remaining = timedelta(hours=hours)
    current = start.astimezone(tz)
    for _ in range(366 * 3):  # bounded: a calendar with no working time must not loop forever
        if current.weekday() in calendar.days:
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


def case_deadlines(config: AppConfig, domain: str, urgent: bool, start: datetime) -> tuple[datetime, datetime]:
    """(accept by, resolve by) for a case opened at `start`."""
    rule = config.deadline_rule(domain)
    if urgent:
        return start + timedelta(hours=rule.urgent_accept_hours), start + timedelta(hours=rule.urgent_resolve_hours)
    tz = ZoneInfo(config.timezone)
    accept = add_working_hours(start, rule.accept_working_hours, config.working_hours, tz)
    return accept, start + timedelta(days=rule.resolve_days)


def format_local(moment: datetime, config: AppConfig) -> str:
    """A deadline as a citizen reads it: local time, day first."""
    return moment.astimezone(ZoneInfo(config.timezone)).strftime("%H:%M %d/%m/%Y")
