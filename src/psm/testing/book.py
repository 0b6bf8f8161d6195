"""The named cast of every test: two client accounts and the people around them.

alice    engineer, primary PSM of account A (acme), substitute on B
bob      engineer, primary PSM of account B (globex)
charlie  manager of alice and bob, manager on both accounts
dana     engineer with no accounts
admin    administrator
client_a a contact of A with portal access; client_b the same for B
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.test import Client

from psm.accounts.models import Account, Contact
from psm.coverage.models import ServicePlan
from psm.team import services as team_services
from psm.team.models import Role, User
from psm.testing.factories import (
    AccountFactory,
    ContactFactory,
    EngineerFactory,
    ServicePlanFactory,
    SiteFactory,
    UserFactory,
)


@dataclass
class Book:
    plan: ServicePlan
    a: Account
    b: Account
    alice: User
    bob: User
    charlie: User
    dana: User
    admin: User
    client_a: User
    client_b: User
    contact_a: Contact
    contact_b: Contact


def make_book() -> Book:
    plan = ServicePlanFactory(name="Standard", slug="standard")
    a = AccountFactory(name="Acme", slug="acme", timezone="America/New_York", service_plan=plan)
    b = AccountFactory(
        name="Globex", slug="globex", timezone="Europe/Berlin", country="DE", service_plan=plan
    )
    SiteFactory(account=a, name="Boston", timezone="America/New_York")
    SiteFactory(account=b, name="Berlin", timezone="Europe/Berlin")
    charlie = UserFactory(username="charlie", role=Role.MANAGER)
    EngineerFactory(user=charlie)
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    dana = UserFactory(username="dana")
    for engineer in (alice, bob, dana):
        EngineerFactory(user=engineer, manager=charlie)
    admin = UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True)
    start = date(2020, 1, 1)
    team_services.assign(None, a, alice, "primary", starts_on=start)
    team_services.assign(None, a, bob, "substitute", starts_on=start)
    team_services.assign(None, a, charlie, "manager", starts_on=start)
    team_services.assign(None, b, bob, "primary", starts_on=start)
    team_services.assign(None, b, alice, "substitute", starts_on=start)
    team_services.assign(None, b, charlie, "manager", starts_on=start)
    client_a = UserFactory(username="client_a", role=Role.CLIENT)
    client_b = UserFactory(username="client_b", role=Role.CLIENT)
    contact_a = ContactFactory(
        account=a, name="Alma Client", user=client_a, email="alma@acme.example"
    )
    contact_b = ContactFactory(
        account=b, name="Bert Client", user=client_b, email="bert@globex.example"
    )
    return Book(
        plan, a, b, alice, bob, charlie, dana, admin, client_a, client_b, contact_a, contact_b
    )


def login(user: User) -> Client:
    """A test client signed in as ``user`` (no password round trip)."""
    client = Client()
    client.force_login(user)
    return client
