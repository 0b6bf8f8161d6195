"""The coverage engine: calendars, holidays, plans, teams and routing, free of Django.

Import from the modules (``psm.coverage.engine.calendar`` etc.); the names below are the
public surface re-exported for convenience.
"""

from psm.coverage.engine.calendar import Calendar, NeverOpenError, WeeklyHours
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec

__all__ = ["Calendar", "HolidaySpec", "NeverOpenError", "SpecError", "WeeklyHours"]
