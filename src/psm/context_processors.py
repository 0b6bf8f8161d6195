from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries for the signed-in role; apps add theirs here as they land."""
    user: Any = request.user
    if not getattr(user, "is_authenticated", False):
        return {"nav": []}
    if user.is_client:
        return {
            "nav": [
                ("portal:home", "Home"),
                ("engagement:portal", "Engagement"),
                ("advisories:portal", "Advisories"),
                ("knowledge:portal", "Knowledge"),
                ("checklists:portal", "Checklists"),
                ("portal:cases", "Cases"),
                ("reports:portal", "Reports"),
                ("paging:home", "Page my PSM"),
                ("security:home", "Security"),
            ]
        }
    nav = [("insights:my-day", "My day")]
    if user.is_manager or user.is_admin:
        nav.append(("insights:overview", "Overview"))
        nav.append(("insights:dashboard", "Oversight"))
    else:
        nav.append(("insights:performance", "Performance"))
    nav.append(("cases:list", "Cases"))
    nav.append(("paging:home", "Pages"))
    nav.append(("accounts:list", "Accounts"))
    nav.append(("engagement:home", "Engagement"))
    nav.append(("advisories:home", "Advisories"))
    nav.append(("knowledge:home", "Knowledge"))
    nav.append(("checklists:home", "Checklists"))
    nav.append(("coverage:board", "Coverage"))
    nav.append(("team:people", "Team"))
    nav.append(("webhooks:list", "Webhooks"))
    nav.append(("security:home", "Security"))
    if user.is_admin:
        nav.append(("ops:audit", "Audit"))
        nav.append(("admin:index", "Admin"))
    return {"nav": nav}
