from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from psm.accounts.scoping import visible_accounts
from psm.team.access import acting_user, staff_only
from psm.team.forms import AbsenceForm
from psm.team.models import Absence, Assignment, Role, User
from psm.team.services import start_absence


@staff_only
def people(request: HttpRequest) -> HttpResponse:
    """The provider's team: who they are, what they own, who is away."""
    now = timezone.now()
    primary = Q(assignments__role="primary") & Q(assignments__ends_on__isnull=True)
    team = (
        User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER], is_active=True)
        .select_related("engineer__manager")
        .annotate(
            # The true count, and how many of those the viewer can open.
            primaries=Count("assignments", filter=primary),
            primaries_seen=Count(
                "assignments",
                filter=primary & Q(assignments__account__in=visible_accounts(request.user)),
            ),
        )
        .prefetch_related(
            Prefetch(
                "absences",
                queryset=Absence.objects.filter(end__gt=now).select_related("substitute"),
                to_attr="coming_absences",
            )
        )
    )
    return render(request, "team/people.html", {"team": team, "now": now})


@staff_only
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = (
        User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER], username=username)
        .select_related("engineer__manager")
        .first()
    )
    if person is None:
        raise Http404("No such engineer")
    assignments = (
        Assignment.objects.current()
        .filter(engineer=person, account__in=visible_accounts(request.user))
        .select_related("account")
        .order_by("role", "account__name")
    )
    now = timezone.now()
    context = {
        "person": person,
        "engineer": getattr(person, "engineer", None),
        "assignments": assignments,
        "absences": person.absences.filter(end__gt=now).select_related("substitute"),
        "covering": Absence.objects.at(now).filter(substitute=person).select_related("engineer"),
        "skills": person.engineer.skills.all() if hasattr(person, "engineer") else [],
    }
    return render(request, "team/profile.html", context)


@staff_only
def absence_create(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = AbsenceForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            absence = start_absence(
                user,
                data["engineer"],
                data["start"],
                data["end"],
                substitute=data["substitute"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            zone = ZoneInfo(user.timezone or "UTC")
            start, end = absence.start.astimezone(zone), absence.end.astimezone(zone)
            covers = f"; {absence.substitute.display_name} covers" if absence.substitute else ""
            messages.success(
                request,
                f"Absence recorded: {absence.engineer.display_name} is away from "
                f"{start:%a %-d %b %Y %H:%M} to {end:%a %-d %b %Y %H:%M} "
                f"({user.timezone}){covers}.",
            )
            return redirect("team:profile", username=absence.engineer.username)
    return render(request, "team/absence_form.html", {"form": form})
