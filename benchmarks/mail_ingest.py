"""Mail ingestion: PSM's ``psm mail import`` side by side with django-helpdesk's ``get_email``.

    .venv/bin/python benchmarks/mail_ingest.py            # 10,000 messages into 10,000 and 150,000
    .venv/bin/python benchmarks/mail_ingest.py --quick    # 1,000 messages into 1,000 and 15,000
    .venv/bin/python benchmarks/mail_ingest.py --write    # also put the tables in BENCHMARKS.md

One run, same machine, same generated messages, each system on its own fresh SQLite database
(both with WAL and synchronous=NORMAL) already holding a seeded conversation history — done at
two sizes (``--sizes``, default 1,000 and 15,000 conversations of 10 messages: 10,000 and
150,000 existing messages), because django-helpdesk's replies slow down as its history grows
and one size alone would mislead. The messages:

- 70% new messages (each should open a case/ticket),
- 25% replies to seeded messages by In-Reply-To (each should thread into an existing one),
- 5% automatic replies and duplicates (neither should open anything).

The two systems run phase by phase, alternately (PSM then helpdesk for one phase, helpdesk then
PSM for the next), so both meet the same machine load; the 1-minute load average is printed
before and after each phase, and each phase reports wall time and the CPU time of the command
(user + system of the child process, less sensitive to other work on a shared machine).

Not the same work: django-helpdesk sends its e-mails inline while it imports (acknowledgements
of new tickets, update notices of replies; here to Django's in-memory mail backend, so no SMTP
time is counted for it), while PSM only
writes outbox rows (the client's acknowledgement and the engineer's notice) that a worker
sends later, outside the figures. PSM's per-sender acknowledgement limit is lifted for the
run (``PSM_MAIL_ACK_LIMIT=0``): the generated senders write dozens of messages each, and every
new case should be acknowledged as helpdesk's tickets are.

django-helpdesk is installed into its own virtual environment under the work directory
(``pip install django-helpdesk``); a separate small run feeds both systems five fault
messages (a duplicate, an auto-reply, a bad charset in front of good mail) and counts what
happens.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PSM_PYTHON = ROOT / ".venv" / "bin" / "python"
PHASES = ["new", "replies", "auto"]
LABELS = [
    ("new", "new (70%)"),
    ("replies", "replies (25%)"),
    ("auto", "auto-replies + duplicates (5%)"),
]
ACCOUNTS = 20
CONTACTS_PER_ACCOUNT = 10
MESSAGES_PER_SEEDED_CASE = 10
WORDS = [
    "server",
    "database",
    "licence",
    "build",
    "backup",
    "restore",
    "VOB",
    "stream",
    "baseline",
    "merge",
    "lock",
    "manager",
    "replica",
    "schema",
    "upgrade",
    "patch",
    "install",
    "client",
    "web",
    "slow",
    "timeout",
    "error",
    "crash",
    "memory",
    "disk",
    "network",
    "proxy",
    "certificate",
    "login",
    "password",
    "user",
    "group",
    "report",
    "query",
    "index",
    "migration",
]


# -- the data set --------------------------------------------------------------------------


def slug(i: int) -> str:
    return f"bench{i:02d}"


def contact_address(account: int, contact: int) -> str:
    return f"user{contact}@{slug(account)}.example"


def seed_id(case: int, i: int) -> str:
    return f"seed-{case}-{i}@client.example"


def text(rng: random.Random, paragraphs: int = 3) -> str:
    return "\n\n".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))).capitalize() + "."
        for _ in range(paragraphs)
    )


def build(
    rng: random.Random, frm: str, to: str, subject: str, mid: str, body: str, **headers: str
) -> bytes:
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 3, 10, 14, rng.randint(0, 59), tzinfo=UTC))
    m["Message-ID"] = f"<{mid}>"
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return m.as_bytes()


def generate(work: Path, total: int, seeded_cases: int, seed: int) -> dict[str, int]:
    """Write the messages as .eml files in one folder per phase."""
    rng = random.Random(seed)
    new_n = total * 70 // 100
    reply_n = total * 25 // 100
    auto_n = total - new_n - reply_n
    phases = {name: work / "mail" / name for name in ("new", "replies", "auto")}
    for path in phases.values():
        path.mkdir(parents=True)
    originals: list[bytes] = []
    for i in range(new_n):
        account = rng.randrange(ACCOUNTS)
        subject = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} problem #{i}"
        raw = build(
            rng,
            contact_address(account, rng.randrange(CONTACTS_PER_ACCOUNT)),
            f"{slug(account)}@psm.localhost",
            subject,
            f"new-{i}@client.example",
            text(rng),
        )
        originals.append(raw)
        (phases["new"] / f"{i:06d}.eml").write_bytes(raw)
    for i in range(reply_n):
        case = rng.randrange(seeded_cases)
        account = case % ACCOUNTS
        raw = build(
            rng,
            contact_address(account, rng.randrange(CONTACTS_PER_ACCOUNT)),
            f"{slug(account)}@psm.localhost",
            f"Re: question {case}",
            f"reply-{i}@client.example",
            text(rng, 2),
            In_Reply_To=f"<{seed_id(case, rng.randrange(MESSAGES_PER_SEEDED_CASE))}>",
        )
        (phases["replies"] / f"{i:06d}.eml").write_bytes(raw)
    for i in range(auto_n):
        if i % 2:
            (phases["auto"] / f"{i:06d}.eml").write_bytes(rng.choice(originals))
            continue
        case = rng.randrange(seeded_cases)
        account = case % ACCOUNTS
        raw = build(
            rng,
            contact_address(account, rng.randrange(CONTACTS_PER_ACCOUNT)),
            f"{slug(account)}@psm.localhost",
            "Automatic reply: out of office",
            f"ooo-{i}@client.example",
            "I am out of the office until Monday.",
            Auto_Submitted="auto-replied",
            In_Reply_To=f"<{seed_id(case, 0)}>",
        )
        (phases["auto"] / f"{i:06d}.eml").write_bytes(raw)
    return {"new": new_n, "replies": reply_n, "auto": auto_n}


def generate_faults(work: Path) -> Path:
    """Three faults, in processing order: a duplicate pair, an auto-reply, a bad charset
    followed by a good message."""
    rng = random.Random(1)
    path = work / "mail" / "faults"
    path.mkdir(parents=True)
    frm, to = contact_address(0, 0), f"{slug(0)}@psm.localhost"
    dup = build(rng, frm, to, "Duplicate delivery", "dup@client.example", "same message twice")
    (path / "1-dup-a.eml").write_bytes(dup)
    (path / "2-dup-b.eml").write_bytes(dup)
    (path / "3-ooo.eml").write_bytes(
        build(
            rng,
            frm,
            to,
            "Out of office",
            "ooo@client.example",
            "away",
            Auto_Submitted="auto-replied",
        )
    )
    bad = build(rng, frm, to, "Bad charset", "bad@client.example", "caf\u00e9")
    bad = bad.replace(b'charset="utf-8"', b'charset="x-no-such-charset"')
    (path / "4-bad-charset.eml").write_bytes(bad)
    (path / "5-good.eml").write_bytes(build(rng, frm, to, "Good", "good@client.example", "ok"))
    return path


# -- PSM -------------------------------------------------------------------------------------


def psm_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PSM_TESTING")}
    env.update(
        PSM_DATA_DIR=str(work / "psm"),
        PSM_LOG_LEVEL="WARNING",
        PSM_DEBUG="0",
        PSM_MAIL_ACK_LIMIT="0",  # every new case acknowledged, as helpdesk does
    )
    return env


def seed_psm(work: Path, seeded_cases: int) -> None:
    """Runs inside PSM's environment (``_seed_psm``): accounts, contacts, history."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psm.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from psm.accounts.models import Account, Contact, ContactEmail
    from psm.cases.models import Case, CaseCounter, Direction, Message, MessageChannel
    from psm.channels.email.models import InboundMessage, State
    from psm.coverage.adapters import plan_spec
    from psm.coverage.models import ServicePlan
    from psm.team import services as team_services
    from psm.team.models import Engineer, User

    now = timezone.now()
    plan, _ = ServicePlan.objects.get_or_create(slug="standard", defaults={"name": "Standard"})
    engineers = []
    for i in range(5):
        user = User.objects.create(username=f"eng{i}", email=f"eng{i}@psm.example")
        Engineer.objects.create(user=user)
        engineers.append(user)
    accounts = []
    with transaction.atomic():
        for a in range(ACCOUNTS):
            account = Account.objects.create(
                name=f"Bench client {a}",
                slug=slug(a),
                timezone="Europe/Berlin",
                country="DE",
                service_plan=plan,
            )
            team_services.assign(None, account, engineers[a % 5], "primary")
            for c in range(CONTACTS_PER_ACCOUNT):
                contact = Contact.objects.create(account=account, name=f"User {c} of {a}")
                ContactEmail.objects.create(contact=contact, address=contact_address(a, c))
            accounts.append(account)
    specs = {a.pk: {"plan": plan.name, "spec": plan_spec(a).to_dict()} for a in accounts}
    contacts = {c.account_id: c for c in Contact.objects.all()}
    numbers = dict.fromkeys(range(ACCOUNTS), 0)
    batch = 1000
    for start in range(0, seeded_cases, batch):
        cases = []
        for case_no in range(start, min(start + batch, seeded_cases)):
            a = case_no % ACCOUNTS
            numbers[a] += 1
            account = accounts[a]
            cases.append(
                Case(
                    account=account,
                    number=numbers[a],
                    reference=f"{account.slug.upper()}-{numbers[a]}",
                    title=f"question {case_no}",
                    contact=contacts[account.pk],
                    priority="P3",
                    status="open",
                    origin="email",
                    assignee=engineers[a % 5],
                    coverage=specs[account.pk],
                    opened_at=now,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(cases)
            created = {c.title: c for c in Case.objects.filter(title__in=[c.title for c in cases])}
            messages, inbound = [], []
            for case in cases:
                case_no = int(case.title.split()[-1])
                pk = created[case.title].pk
                for i in range(MESSAGES_PER_SEEDED_CASE):
                    mid = seed_id(case_no, i)
                    messages.append(
                        Message(
                            case_id=pk,
                            direction=Direction.IN,
                            channel=MessageChannel.EMAIL,
                            text="seeded history " * 20,
                            message_id=mid,
                            created_at=now,
                        )
                    )
                    inbound.append(
                        InboundMessage(
                            received_at=now,
                            source="import",
                            raw_path="seeded",
                            size=1000,
                            sha256=f"{case_no:032d}{i:032d}",
                            message_id=mid,
                            state=State.THREADED,
                            case_id=pk,
                        )
                    )
            Message.objects.bulk_create(messages, batch_size=2000)
            InboundMessage.objects.bulk_create(inbound, batch_size=2000)
    for a, account in enumerate(accounts):
        CaseCounter.objects.update_or_create(account=account, defaults={"last_number": numbers[a]})


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, float, str]:
    """Run ``cmd``; returns wall seconds, the child's CPU seconds (user + system), the load
    average before and after, and its standard output."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    wall = time.monotonic() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, load, os.getloadavg()[0], out.stdout


def setup_psm(work: Path, seeded_cases: int) -> dict[str, str]:
    env = psm_env(work)
    subprocess.run([str(PSM_PYTHON), "-m", "psm.cli", "migrate", "-v0"], env=env, check=True)
    t = time.monotonic()
    subprocess.run(
        [str(PSM_PYTHON), __file__, "_seed_psm", str(work), str(seeded_cases)], env=env, check=True
    )
    print(
        f"  PSM: seeded {seeded_cases * MESSAGES_PER_SEEDED_CASE:,} messages "
        f"in {time.monotonic() - t:.0f} s",
        flush=True,
    )
    return env


def psm_phase(work: Path, env: dict[str, str], phase: str) -> dict[str, object]:
    folder = work / "mail" / phase
    count = len(list(folder.iterdir()))
    psm = [str(PSM_PYTHON), "-m", "psm.cli"]
    wall, cpu, load, load_after, out = timed([*psm, "mail", "import", str(folder)], env)
    summary = json.loads(out.strip().splitlines()[-1])
    result = {
        "messages": count,
        "seconds": wall,
        "cpu": cpu,
        "load": (load, load_after),
        "states": summary["states"],
    }
    print(
        f"  PSM {phase}: {count} in {wall:.1f} s (CPU {cpu:.1f} s) = {count / wall:.0f}/s, "
        f"load {load:.1f}→{load_after:.1f} {summary['states']}",
        flush=True,
    )
    return result


# -- django-helpdesk -------------------------------------------------------------------------

HELPDESK_SETTINGS = """
SECRET_KEY = "bench"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
HELPDESK_TEAMS_MODE_ENABLED = False  # pinax-teams is optional and not installed
ROOT_URLCONF = "hdbench_urls"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3", "NAME": @DB@,
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE", "timeout": 30},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = @MEDIA@
STATIC_URL = "/static/"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "CRITICAL"}}
"""


def helpdesk_python(work: Path) -> Path:
    venv = work / "helpdesk-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        print("  installing django-helpdesk into its own virtual environment …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "django-helpdesk"], check=True
        )
    return python


def helpdesk_env(work: Path, name: str) -> dict[str, str]:
    project = work / f"helpdesk-{name}"
    project.mkdir(exist_ok=True)
    (project / "hdbench_settings.py").write_text(
        HELPDESK_SETTINGS.replace("@DB@", repr(str(project / "db.sqlite3"))).replace(
            "@MEDIA@", repr(str(project / "media"))
        )
    )
    (project / "hdbench_urls.py").write_text(
        "from django.urls import include, path\n"
        'urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]\n'
    )
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="hdbench_settings", PYTHONPATH=str(project))
    return env


def seed_helpdesk(seeded_cases: int, queue_dir: str) -> None:
    """Runs inside the helpdesk environment (``_seed_helpdesk``)."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket

    queue = Queue.objects.create(
        title="Bench",
        slug="bench",
        email_box_type="local",
        email_box_local_dir=queue_dir,
        allow_email_submission=True,
        email_box_interval=0,
        logging_type="none",
    )
    now = timezone.now()
    batch = 1000
    for start in range(0, seeded_cases, batch):
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                [
                    Ticket(
                        title=f"question {n}",
                        queue=queue,
                        created=now,
                        modified=now,
                        submitter_email=contact_address(n % ACCOUNTS, 0),
                        status=1,
                    )
                    for n in range(start, min(start + batch, seeded_cases))
                ]
            )
            FollowUp.objects.bulk_create(
                [
                    FollowUp(
                        ticket=t,
                        title="seeded",
                        date=now,
                        comment="seeded history " * 20,
                        public=True,
                        message_id=f"<{seed_id(start + k, i)}>",
                    )
                    for k, t in enumerate(tickets)
                    for i in range(MESSAGES_PER_SEEDED_CASE)
                ],
                batch_size=2000,
            )


def set_helpdesk_dir(python: Path, env: dict[str, str], folder: Path) -> None:
    code = (
        "import django; django.setup(); from helpdesk.models import Queue; "
        f"Queue.objects.filter(slug='bench').update(email_box_local_dir={str(folder)!r})"
    )
    subprocess.run([str(python), "-c", code], env=env, check=True)


def helpdesk_counts(python: Path, env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup(); from helpdesk.models import FollowUp, Ticket; "
        "print(json.dumps({'tickets': Ticket.objects.count(), "
        "'followups': FollowUp.objects.count()}))"
    )
    out = subprocess.run([str(python), "-c", code], env=env, check=True, capture_output=True)
    return dict(json.loads(out.stdout))


def setup_helpdesk(work: Path, python: Path, seeded_cases: int) -> dict[str, str]:
    env = helpdesk_env(work, "main")
    subprocess.run([str(python), "-m", "django", "migrate", "-v0"], env=env, check=True)
    t = time.monotonic()
    subprocess.run(
        [str(python), __file__, "_seed_helpdesk", str(seeded_cases), str(work / "mail")],
        env=env,
        check=True,
    )
    print(
        f"  helpdesk: seeded {seeded_cases * MESSAGES_PER_SEEDED_CASE:,} follow-ups "
        f"in {time.monotonic() - t:.0f} s",
        flush=True,
    )
    return env


def helpdesk_phase(work: Path, python: Path, env: dict[str, str], phase: str) -> dict[str, object]:
    # get_email deletes what it processed: give it a copy.
    folder = work / "helpdesk-mail" / phase
    shutil.copytree(work / "mail" / phase, folder)
    count = len(list(folder.iterdir()))
    set_helpdesk_dir(python, env, folder)
    before = helpdesk_counts(python, env)
    wall, cpu, load, load_after, _ = timed(
        [str(python), "-m", "django", "get_email", "--quiet"], env
    )
    after = helpdesk_counts(python, env)
    result = {
        "messages": count,
        "seconds": wall,
        "cpu": cpu,
        "load": (load, load_after),
        "new_tickets": after["tickets"] - before["tickets"],
        "new_followups": after["followups"] - before["followups"],
        "left_unprocessed": len(list(folder.iterdir())),
    }
    print(
        f"  helpdesk {phase}: {count} in {wall:.1f} s (CPU {cpu:.1f} s) = {count / wall:.0f}/s, "
        f"load {load:.1f}→{load_after:.1f} {result['new_tickets']} tickets, "
        f"{result['new_followups']} follow-ups, {result['left_unprocessed']} left",
        flush=True,
    )
    return result


def run_size(
    work: Path, messages: int, seeded: int, seed: int, python: Path | None
) -> dict[str, object]:
    """Both systems at one history size, phase by phase, alternately."""
    print(f"history of {seeded * MESSAGES_PER_SEEDED_CASE:,} messages:", flush=True)
    sizes = generate(work, messages, seeded, seed)
    psm_env_ = setup_psm(work, seeded)
    hd_env = setup_helpdesk(work, python, seeded) if python else None
    psm: dict[str, dict[str, object]] = {}
    hd: dict[str, dict[str, object]] = {}
    for index, phase in enumerate(PHASES):
        order = ["psm", "helpdesk"] if index % 2 == 0 else ["helpdesk", "psm"]
        for system in order:
            if system == "psm":
                psm[phase] = psm_phase(work, psm_env_, phase)
            elif python and hd_env:
                hd[phase] = helpdesk_phase(work, python, hd_env, phase)
    return {"seeded": seeded, "sizes": sizes, "psm": psm, "helpdesk": hd}


def faults(work: Path, folder: Path) -> dict[str, dict[str, object]]:
    """Both systems on the five fault messages, from empty databases."""
    out: dict[str, dict[str, object]] = {}
    fault_work = work / "faults"
    fault_work.mkdir()
    env = psm_env(fault_work)
    psm = [str(PSM_PYTHON), "-m", "psm.cli"]
    subprocess.run([*psm, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [str(PSM_PYTHON), __file__, "_seed_psm", str(fault_work), "1"], env=env, check=True
    )
    run = subprocess.run(
        [*psm, "mail", "import", str(folder)], env=env, check=True, capture_output=True, text=True
    )
    out["psm"] = json.loads(run.stdout.strip().splitlines()[-1])["states"]
    python = helpdesk_python(work)
    henv = helpdesk_env(work, "faults")
    subprocess.run([str(python), "-m", "django", "migrate", "-v0"], env=henv, check=True)
    copy = work / "helpdesk-mail" / "faults"
    shutil.copytree(folder, copy)
    subprocess.run([str(python), __file__, "_seed_helpdesk", "0", str(copy)], env=henv, check=True)
    subprocess.run(
        [str(python), "-m", "django", "get_email", "--quiet"], env=henv, capture_output=True
    )
    counts = helpdesk_counts(python, henv)
    out["helpdesk"] = {
        **counts,
        "left_unprocessed": sorted(p.name for p in copy.iterdir()),
    }
    return out


# -- report ------------------------------------------------------------------------------------


def _ratio(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}×" if ours else "—"


def _cell(m: dict) -> str:
    return f"{m['messages'] / m['seconds']:,.0f}/s ({m['seconds']:.1f} s, CPU {m['cpu']:.1f} s)"


def size_table(run: dict) -> list[str]:
    psm, hd = run["psm"], run["helpdesk"]
    existing = run["seeded"] * MESSAGES_PER_SEEDED_CASE
    lines = [
        f"### Into {existing:,} existing messages",
        "",
        "| phase | messages | PSM `psm mail import` | django-helpdesk `get_email` "
        "| ratio (wall) | ratio (CPU) | load before→after (PSM · helpdesk) |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = {"psm": [0.0, 0.0], "hd": [0.0, 0.0]}
    for phase, label in LABELS:
        p, h = psm[phase], hd.get(phase)
        totals["psm"][0] += p["seconds"]
        totals["psm"][1] += p["cpu"]
        ours = _cell(p)
        load = f"{p['load'][0]:.1f}→{p['load'][1]:.1f}"
        if h:
            totals["hd"][0] += h["seconds"]
            totals["hd"][1] += h["cpu"]
            theirs = _cell(h)
            wall = f"**{_ratio(p['seconds'], h['seconds'])}**"
            cpu = _ratio(p["cpu"], h["cpu"])
            load += f" · {h['load'][0]:.1f}→{h['load'][1]:.1f}"
        else:
            theirs = wall = cpu = "—"
        lines.append(
            f"| {label} | {p['messages']:,} | {ours} | {theirs} | {wall} | {cpu} | {load} |"
        )
    n = sum(run["sizes"].values())
    if totals["hd"][0]:
        lines.append(
            f"| **all** | {n:,} | **{n / totals['psm'][0]:,.0f}/s** | "
            f"{n / totals['hd'][0]:,.0f}/s | **{_ratio(totals['psm'][0], totals['hd'][0])}** | "
            f"{_ratio(totals['psm'][1], totals['hd'][1])} | |"
        )
    lines += ["", "What each system made of the messages:", ""]
    for phase in PHASES:
        lines.append(
            f"- {phase}: PSM states {psm[phase]['states']}; helpdesk "
            + (
                f"{hd[phase]['new_tickets']} new tickets, {hd[phase]['new_followups']} "
                f"follow-ups, {hd[phase]['left_unprocessed']} left unprocessed"
                if phase in hd
                else "not run"
            )
        )
    return lines


def report(args: argparse.Namespace, runs: list[dict], version: str, flt: dict) -> str:
    shown: list[str] = []
    skip = False
    for arg in sys.argv[1:]:
        if skip or arg == "--write" or arg.startswith("--workdir"):
            skip = arg == "--workdir"  # its value follows
            continue
        shown.append(arg)
    command = " ".join(["benchmarks/mail_ingest.py", *shown])
    lines = [
        "## Mail ingestion",
        "",
        f"Command: `.venv/bin/python {command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), "
        f"{cpu_model()}, Python {platform.python_version()}, SQLite (WAL, synchronous=NORMAL) "
        "for both  ",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at the start "
        f"{args.load_before:.1f}, at the end {os.getloadavg()[0]:.1f}  ",
        f"Data: {args.messages:,} generated messages per history size; django-helpdesk "
        f"{version} `get_email` from a local directory. The two systems ran phase by phase, "
        "alternately; each phase is one command (one process start included).",
        "",
        "Not the same work: **django-helpdesk sends its e-mails inline** while it imports "
        "(the submitter's acknowledgement of a new ticket, the update notice of a reply; to "
        "Django's in-memory mail backend here, so no SMTP time is counted), "
        "while **PSM only writes outbox rows** (the client's acknowledgement and the "
        "engineer's notice) that a worker sends later, outside these figures. PSM's "
        "per-sender acknowledgement limit was lifted (`PSM_MAIL_ACK_LIMIT=0`) so that every "
        "new case is acknowledged, as every helpdesk ticket is.",
        "",
    ]
    for run in runs:
        lines += [*size_table(run), ""]
    if flt:
        lines += [
            "Faults (both from empty databases; in order: a message delivered twice, an "
            "out-of-office with `Auto-Submitted: auto-replied`, a message with an unknown "
            "charset, then a good message):",
            "",
            f"- PSM: {flt['psm']}",
            f"- django-helpdesk: {flt['helpdesk']}",
            "",
        ]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_section(section: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = current.find("## Mail ingestion")
    if start == -1:
        updated = current.rstrip("\n") + "\n\n" + section
    else:
        end = current.find("\n## ", start + 1)
        updated = current[:start] + section + ("" if end == -1 else current[end + 1 :])
    path.write_text(updated, encoding="utf-8")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_seed_psm":
        seed_psm(Path(sys.argv[2]), int(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_seed_helpdesk":
        seed_helpdesk(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="1,000 messages into 100 and 1,500 conversations"
    )
    parser.add_argument("--messages", type=int, default=None)
    parser.add_argument(
        "--sizes",
        default=None,
        help="comma-separated history sizes in conversations of 10 messages (default 1000,15000)",
    )
    parser.add_argument("--workdir", default="/tmp/psm-mail-bench")
    parser.add_argument("--skip-helpdesk", action="store_true")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    args.messages = args.messages or (1_000 if args.quick else 10_000)
    sizes = [
        int(n) for n in (args.sizes or ("100,1500" if args.quick else "1000,15000")).split(",")
    ]
    args.load_before = os.getloadavg()[0]
    work = Path(args.workdir)
    venv = work / "helpdesk-venv"
    keep = venv.exists()
    if keep:
        shutil.move(str(venv), "/tmp/psm-mail-bench-venv")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if keep:
        shutil.move("/tmp/psm-mail-bench-venv", str(venv))
    python: Path | None = None
    version = "?"
    if not args.skip_helpdesk:
        python = helpdesk_python(work)
        shown = subprocess.run(
            [str(python), "-m", "pip", "show", "django-helpdesk"], capture_output=True, text=True
        ).stdout
        version = next(
            (line.split()[-1] for line in shown.splitlines() if line.startswith("Version")), "?"
        )
    runs = []
    for seeded in sizes:
        runs.append(run_size(work / f"history-{seeded}", args.messages, seeded, args.seed, python))
    flt: dict = {}
    if python:
        flt = faults(work, generate_faults(work))
    section = report(args, runs, version, flt)
    print()
    print(section)
    if args.write:
        write_section(section)
        print("BENCHMARKS.md updated.")


if __name__ == "__main__":
    main()
