"""The coverage engine: calendars, holidays, plans, teams and routing, free of Django.

The names below are the public surface; each lives in the module named in its docstring.
"""

from psm.coverage.engine.calendar import DEFAULT_HOURS, Calendar, NeverOpenError, WeeklyHours
from psm.coverage.engine.errors import SpecError
from psm.coverage.engine.holidays import HolidaySpec
from psm.coverage.engine.plan import PlanSpec
from psm.coverage.engine.routing import Route, route
from psm.coverage.engine.simulate import run_scenario
from psm.coverage.engine.team import (
    Absence,
    Cover,
    OnCallRotation,
    Override,
    TeamSpec,
    who_covers,
)

__all__ = [
    "DEFAULT_HOURS",
    "Absence",
    "Calendar",
    "Cover",
    "HolidaySpec",
    "NeverOpenError",
    "OnCallRotation",
    "Override",
    "PlanSpec",
    "Route",
    "SpecError",
    "TeamSpec",
    "WeeklyHours",
    "route",
    "run_scenario",
    "who_covers",
]
