"""Demo coverage: the provider's US holidays on every plan and a follow-the-sun rotation."""

from __future__ import annotations

from datetime import UTC, datetime

from psm.coverage.models import HolidayCalendar, OnCallMember, OnCallRotation, ServicePlan
from psm.team.models import User


def populate() -> dict[str, int]:
    calendar, _ = HolidayCalendar.objects.get_or_create(
        name="Provider holidays (US)",
        defaults={"country": "US", "added": ["2026-12-24", "2026-12-31"]},
    )
    rotation, created = OnCallRotation.objects.get_or_create(
        name="Global on-call",
        defaults={"start": datetime(2026, 1, 5, 13, 0, tzinfo=UTC), "shift_hours": 168},
    )
    if created:
        for position, username in enumerate(["bob", "carol", "dev", "erik", "fumiko"]):
            engineer = User.objects.filter(username=username).first()
            if engineer is not None:
                OnCallMember.objects.create(rotation=rotation, engineer=engineer, position=position)
    ServicePlan.objects.filter(holiday_calendar__isnull=True).update(holiday_calendar=calendar)
    ServicePlan.objects.filter(on_call_rotation__isnull=True).update(on_call_rotation=rotation)
    return {"holiday_calendars": HolidayCalendar.objects.count(), "rotations": 1}
