"""A believable book of accounts for ``psm demo``: 12 clients on six continents, a team of
six engineers and their manager, one running absence with a substitute."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from psm.accounts.models import (
    Account,
    Contact,
    ContactEmail,
    CustomField,
    CustomValue,
    InstalledProduct,
    Product,
    Site,
)
from psm.coverage.models import ServicePlan
from psm.team import services as team_services
from psm.team.models import Absence, AssignmentRole, Engineer, Role, Seniority, User

DEMO_PASSWORD = "demo"

PRODUCTS = ["ClearCase", "ClearQuest", "DOORS", "Rhapsody", "RequisitePro", "Build Forge"]

# username, first, last, role, zone, seniority, years
PEOPLE = [
    ("manager", "Max", "Power", Role.MANAGER, "Europe/London", Seniority.PRINCIPAL, 22),
    ("engineer", "Jane", "Doe", Role.ENGINEER, "America/New_York", Seniority.SENIOR, 14),
    ("bob", "Bob", "Roe", Role.ENGINEER, "Europe/Berlin", Seniority.SENIOR, 11),
    ("carol", "Carol", "Chen", Role.ENGINEER, "Australia/Sydney", Seniority.PRINCIPAL, 17),
    ("dev", "Dev", "Patel", Role.ENGINEER, "Asia/Kolkata", Seniority.SENIOR, 9),
    ("erik", "Erik", "Lund", Role.ENGINEER, "Europe/Oslo", Seniority.SENIOR, 12),
    ("fumiko", "Fumiko", "Sato", Role.ENGINEER, "Asia/Tokyo", Seniority.SENIOR, 10),
]

# slug, name, zone, country, plan, primary, substitute, sites [(name, zone, city, country)]
ACCOUNTS = [
    (
        "acme",
        "Acme Manufacturing",
        "America/New_York",
        "US",
        "standard",
        "engineer",
        "bob",
        [
            ("Boston HQ", "America/New_York", "Boston", "US"),
            ("Denver Plant", "America/Denver", "Denver", "US"),
        ],
    ),
    (
        "pacific",
        "Pacific Retail",
        "America/Los_Angeles",
        "US",
        "standard",
        "engineer",
        "erik",
        [
            ("Seattle HQ", "America/Los_Angeles", "Seattle", "US"),
            ("San Diego DC", "America/Los_Angeles", "San Diego", "US"),
        ],
    ),
    (
        "maple",
        "Maple Health",
        "America/Toronto",
        "CA",
        "extended",
        "engineer",
        "carol",
        [
            ("Toronto HQ", "America/Toronto", "Toronto", "CA"),
            ("St. John's Clinic", "America/St_Johns", "St. John's", "CA"),
        ],
    ),
    (
        "nordwind",
        "Nordwind Logistik",
        "Europe/Berlin",
        "DE",
        "standard",
        "bob",
        "erik",
        [
            ("Hamburg HQ", "Europe/Berlin", "Hamburg", "DE"),
            ("München", "Europe/Berlin", "Munich", "DE"),
        ],
    ),
    (
        "thames",
        "Thames Insurance",
        "Europe/London",
        "GB",
        "extended",
        "bob",
        "erik",
        [
            ("London HQ", "Europe/London", "London", "GB"),
            ("Edinburgh", "Europe/London", "Edinburgh", "GB"),
        ],
    ),
    (
        "fjord",
        "Fjord Shipping",
        "Europe/Oslo",
        "NO",
        "standard",
        "erik",
        "bob",
        [("Bergen HQ", "Europe/Oslo", "Bergen", "NO")],
    ),
    (
        "kookaburra",
        "Kookaburra Bank",
        "Australia/Sydney",
        "AU",
        "extended",
        "carol",
        "fumiko",
        [
            ("Sydney HQ", "Australia/Sydney", "Sydney", "AU"),
            ("Perth", "Australia/Perth", "Perth", "AU"),
        ],
    ),
    (
        "himalaya",
        "Himalaya Telecom",
        "Asia/Kathmandu",
        "NP",
        "standard",
        "dev",
        "carol",
        [("Kathmandu HQ", "Asia/Kathmandu", "Kathmandu", "NP")],
    ),
    (
        "ganges",
        "Ganges Software",
        "Asia/Kolkata",
        "IN",
        "standard",
        "dev",
        "fumiko",
        [
            ("Bengaluru HQ", "Asia/Kolkata", "Bengaluru", "IN"),
            ("Pune", "Asia/Kolkata", "Pune", "IN"),
        ],
    ),
    (
        "sakura",
        "Sakura Motors",
        "Asia/Tokyo",
        "JP",
        "extended",
        "fumiko",
        "carol",
        [("Nagoya HQ", "Asia/Tokyo", "Nagoya", "JP")],
    ),
    (
        "pampas",
        "Pampas Energía",
        "America/Argentina/Buenos_Aires",
        "AR",
        "standard",
        "engineer",
        "erik",
        [("Buenos Aires HQ", "America/Argentina/Buenos_Aires", "Buenos Aires", "AR")],
    ),
    (
        "savanna",
        "Savanna Mobile",
        "Africa/Nairobi",
        "KE",
        "standard",
        "dev",
        "bob",
        [
            ("Nairobi HQ", "Africa/Nairobi", "Nairobi", "KE"),
            ("Mombasa", "Africa/Nairobi", "Mombasa", "KE"),
        ],
    ),
]

FIRST = [
    "Alice",
    "Ben",
    "Chloé",
    "Daniel",
    "Eva",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kavya",
    "Liam",
    "Mei",
    "Nia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomás",
]
LAST = [
    "Adams",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hughes",
    "Ito",
    "Jensen",
    "Kumar",
    "López",
    "Müller",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quinn",
    "Rossi",
]
TITLES = [
    "IT Director",
    "ALM Administrator",
    "Build Manager",
    "Lead Developer",
    "Release Engineer",
    "QA Manager",
    "CM Lead",
    "Tools Architect",
]


def _person(index: int) -> tuple[str, str]:
    return FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]


def populate() -> dict[str, int]:
    plans = {
        "standard": ServicePlan.objects.get_or_create(
            slug="standard",
            defaults={
                "name": "Premium Standard",
                "description": "08:00–17:00 client time, P1 7x24 except provider holidays.",
            },
        )[0],
        "extended": ServicePlan.objects.get_or_create(
            slug="extended",
            defaults={
                "name": "Premium Extended",
                "description": "08:00–20:00 client time, P1 and P2 7x24 except provider holidays.",
                "hours": {
                    d: ([["08:00", "20:00"]] if d not in ("sat", "sun") else [])
                    for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                },
                "always_covered": ["P1", "P2"],
            },
        )[0],
    }
    products = {
        name: Product.objects.get_or_create(
            name=name, defaults={"slug": name.lower().replace(" ", "-"), "vendor": "IBM Rational"}
        )[0]
        for name in PRODUCTS
    }
    field, _ = CustomField.objects.get_or_create(
        key="contract-number", defaults={"label": "Contract number"}
    )

    users: dict[str, User] = {}
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "role": Role.ADMIN,
            "is_staff": True,
            "is_superuser": True,
            "email": "admin@psm.localhost",
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    for username, first, last, role, zone, seniority, years in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "timezone": zone,
                "email": f"{first.lower()}.{last.lower()}@psm.localhost",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
        Engineer.objects.get_or_create(
            user=user,
            defaults={
                "seniority": seniority,
                "years_experience": years,
                "phone": f"+1 555 01{len(users):02d}",
                "manager": None if role == Role.MANAGER else users.get("manager"),
            },
        )
    for engineer in Engineer.objects.filter(user__username__in=["engineer", "bob", "carol"]):
        engineer.skills.set(list(products.values())[:4])

    person = 0
    today = timezone.localdate()
    for slug, name, zone, country, plan, primary, substitute, sites in ACCOUNTS:
        account, _ = Account.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "timezone": zone,
                "country": country,
                "service_plan": plans[plan],
                "contract_start": date(today.year - 2, 1, 1),
                "contract_end": date(today.year + 1, 12, 31),
                "environment_notes": (
                    f"{name} runs {PRODUCTS[person % 6]} and {PRODUCTS[(person + 2) % 6]} "
                    "on Linux servers; nightly backups at 01:00 local time."
                ),
                "relationship_notes": (
                    "Prefers short written summaries after every call. "
                    "Quarterly steering meeting with the IT director."
                ),
            },
        )
        CustomValue.objects.get_or_create(
            account=account, field=field, defaults={"value": f"PSM-{1000 + person}"}
        )
        site_objects = []
        for index, (site_name, site_zone, city, site_country) in enumerate(sites):
            site, _ = Site.objects.get_or_create(
                account=account,
                name=site_name,
                defaults={
                    "timezone": site_zone,
                    "city": city,
                    "country": site_country,
                    "is_headquarters": index == 0,
                },
            )
            site_objects.append(site)
        team_services.assign(
            None,
            account,
            users[primary],
            AssignmentRole.PRIMARY,
            starts_on=date(today.year - 1, 1, 1),
        )
        team_services.assign(
            None,
            account,
            users[substitute],
            AssignmentRole.SUBSTITUTE,
            starts_on=date(today.year - 1, 1, 1),
        )
        team_services.assign(
            None,
            account,
            users["manager"],
            AssignmentRole.MANAGER,
            starts_on=date(today.year - 1, 1, 1),
        )
        contact_count = 3 + (person % 6)
        for n in range(contact_count):
            first, last = _person(person * 3 + n)
            address = (
                f"{first.lower()}.{last.lower()}@{slug}.example".replace("é", "e")
                .replace("í", "i")
                .replace("á", "a")
                .replace("ü", "u")
            )
            if ContactEmail.objects.filter(address=address).exists():
                continue
            contact = Contact.objects.create(
                account=account,
                site=site_objects[n % len(site_objects)],
                name=f"{first} {last}",
                title=TITLES[n % len(TITLES)],
                phone=f"+{10 + person} 555 {1000 + n}",
                preferred_channel=["email", "phone", "portal"][n % 3],
                receives_reports=n == 0,
            )
            ContactEmail.objects.create(contact=contact, address=address, is_primary=True)
        for n, product in enumerate(list(products.values())[person % 3 : person % 3 + 3]):
            InstalledProduct.objects.get_or_create(
                account=account,
                product=product,
                defaults={
                    "version": f"{8 + n}.{person % 3}.{n}",
                    "platform": ["Linux x86_64", "Windows Server 2022", "AIX 7.3"][n % 3],
                    "site": site_objects[n % len(site_objects)],
                    "users": 40 + 35 * n + person,
                },
            )
        person += 1

    # The demo client log-in is Acme's IT director.
    acme = Account.objects.get(slug="acme")
    client, created = User.objects.get_or_create(
        username="client",
        defaults={
            "first_name": "Alice",
            "last_name": "Adams",
            "role": Role.CLIENT,
            "timezone": "America/New_York",
            "email": "alice.adams@acme.example",
        },
    )
    if created:
        client.set_password(DEMO_PASSWORD)
        client.save()
    if not Contact.objects.filter(user=client).exists():
        existing = ContactEmail.objects.filter(address="alice.adams@acme.example").first()
        if existing is not None:
            contact = existing.contact
        else:
            contact = Contact.objects.create(
                account=acme, site=acme.sites.first(), name="Alice Adams"
            )
            ContactEmail.objects.create(
                contact=contact, address="alice.adams@acme.example", is_primary=True
            )
        contact.user = client
        contact.title = "IT Director"
        contact.phone = "+1 617 555 0100"
        contact.receives_reports = True
        contact.save()

    # A running absence: Bob is on leave, Carol covers.
    now = timezone.now()
    if not Absence.objects.filter(engineer=users["bob"], end__gt=now).exists():
        team_services.start_absence(
            None,
            users["bob"],
            now - timedelta(days=1),
            now + timedelta(days=9),
            substitute=users["carol"],
            reason="Annual leave",
        )
    return {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "users": User.objects.count(),
    }
