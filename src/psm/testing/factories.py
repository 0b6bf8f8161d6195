"""factory_boy factories for tests (and for benchmark data generation)."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from psm.accounts.models import Account, Contact, ContactEmail, InstalledProduct, Product, Site
from psm.coverage.models import ServicePlan
from psm.team.models import Assignment, Engineer, Role, User


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda o: o.username.capitalize())
    last_name = "Tester"
    email = factory.LazyAttribute(lambda o: f"{o.username}@psm.test")
    role = Role.ENGINEER
    password = factory.django.Password("password")


class EngineerFactory(DjangoModelFactory[Engineer]):
    class Meta:
        model = Engineer
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    phone = "+1 555 0100"


class ServicePlanFactory(DjangoModelFactory[ServicePlan]):
    class Meta:
        model = ServicePlan
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Plan {n}")
    slug = factory.Sequence(lambda n: f"plan-{n}")


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")
    timezone = "America/New_York"
    country = "US"
    service_plan = factory.SubFactory(ServicePlanFactory)


class SiteFactory(DjangoModelFactory[Site]):
    class Meta:
        model = Site

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    timezone = factory.LazyAttribute(lambda o: o.account.timezone)


class ContactFactory(DjangoModelFactory[Contact]):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")

    @factory.post_generation
    def email(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            address = extracted or f"contact{self.pk}@{self.account.slug}.example"
            ContactEmail.objects.create(contact=self, address=address, is_primary=True)


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")


class InstalledProductFactory(DjangoModelFactory[InstalledProduct]):
    class Meta:
        model = InstalledProduct

    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory)
    version = "1.0"


class AssignmentFactory(DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    account = factory.SubFactory(AccountFactory)
    engineer = factory.SubFactory(UserFactory)
    role = "primary"
