"""Soak on PostgreSQL: PSM scaled out over many processes, under load, with a worker killed.

    .venv/bin/python benchmarks/soak.py --database-url postgres://postgres@127.0.0.1:5432/psm_soak
        [--minutes 10] [--mail-per-second 1] [--page-every 5] [--workers 4] [--schedulers 2]

The database is migrated and FLUSHED, then holds the test cast (``psm.testing.book``); the
engineers' pager targets point at a fake paging provider on 127.0.0.1 (Apprise ``json://``)
and e-mail goes to files. It starts gunicorn (2 worker processes, multiprocess metrics),
``--workers`` ``psm worker``, ``--schedulers`` ``psm scheduler`` and ``psm smtpd``, and for
``--minutes`` drives:

- **mail in over SMTP**: new requests from both clients' contacts (5% urgent, which pages),
  one in ten delivered twice with the same Message-ID (a relay retrying), and client
  replies to existing cases at their own addresses (``acme+N@``);
- **pages**: the client presses *Page my PSM* every ``--page-every`` seconds (urgent mail
  pages too); the PSM acknowledges three pages in four from the link in the page, every
  fourth escalates (acknowledgement window 1 minute) to the substitute and the manager, who
  acknowledges it;
- **replies**: the PSM answers cases through the web page.

Half way through it kills one worker with SIGKILL and starts another. Then it waits for
the queue to drain and reports (all must be 0): mail accepted and lost, mail left
unprocessed, duplicate cases, pages escalated twice at one step, notifications delivered
more than once under different idempotency keys; and page latency (button to provider).
Exit status 1 when a must-be-0 figure is not 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import email.policy
import hashlib
import os
import platform
import random
import re
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

ACK_LINK = re.compile(r"(https?://\S+/paging/ack/\S+?/)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Processes:
    """The PSM processes of the soak, each logging to its own file."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        self.running[name] = subprocess.Popen(
            [sys.executable, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def psm(self, name: str, *args: str) -> None:
        self.start(name, "-m", "psm.cli", *args)

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_http(url: str, timeout: float = 90) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=3).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer")
        time.sleep(0.3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to flush")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--mail-per-second", type=float, default=1.0)
    parser.add_argument("--page-every", type=float, default=5.0)
    parser.add_argument("--reply-every", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the soak runs on PostgreSQL: give --database-url postgres://...")

    data_dir = Path(tempfile.mkdtemp(prefix="psm-soak-"))
    logs = data_dir / "logs"
    logs.mkdir()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "PSM_DATA_DIR": str(data_dir),
            "PSM_TESTING": "1",
            "PSM_LOG_LEVEL": "WARNING",
            "PSM_PAGE_ACK_MINUTES": "1",
            "PSM_PAGE_SWEEP_SECONDS": "5",
            "DJANGO_SETTINGS_MODULE": "psm.settings",
        }
    )
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.db import connection

    from psm.team.models import Engineer
    from psm.testing.book import make_book
    from psm.testing.paging import free_port, start_inbox

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    book = make_book()
    inbox = start_inbox()
    for user in (book.alice, book.bob, book.charlie):
        profile = Engineer.objects.get(user=user)
        profile.set_pager_targets([inbox.url(user.username)])
        profile.save()
    connection.close()

    web_port, smtp_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = {**os.environ, "PSM_BASE_URL": base, "PSM_SMTPD_BIND": f"127.0.0.1:{smtp_port}"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    procs = Processes(env, logs)
    procs.start(
        "web",
        "-m",
        "gunicorn",
        "psm.wsgi:application",
        "--config",
        "python:psm.ops.gunicorn",
        "--bind",
        f"127.0.0.1:{web_port}",
        "--workers",
        str(args.web_processes),
        "--threads",
        "4",
    )
    worker_cmd = ("worker", "--no-reload", "--no-startup-delay", "--interval", "0.1")
    for i in range(args.workers):
        procs.psm(f"worker-{i}", *worker_cmd)
    for i in range(args.schedulers):
        procs.psm(f"scheduler-{i}", "scheduler", "--interval", "1")
    procs.psm("smtpd", "smtpd")

    rng = random.Random(args.seed)
    lock = threading.Lock()
    stop = threading.Event()
    accepted: list[str] = []  # Message-IDs the listener answered 250
    refused: Counter[str] = Counter()
    page_started: dict[str, float] = {}
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + args.minutes * 60

    def login(username: str) -> requests.Session:
        session = requests.Session()
        session.get(f"{base}/login/", timeout=30)
        session.post(
            f"{base}/login/",
            {
                "username": username,
                "password": "password",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            timeout=30,
        )
        return session

    def send_mail(sender: str, to: str, subject: str, text: str, message_id: str) -> bool:
        raw = (
            f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{message_id}>\r\nDate: {email.utils.formatdate()}\r\n\r\n{text}\r\n"
        ).encode()
        try:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as smtp:
                smtp.sendmail(sender, [to], raw)
        except (smtplib.SMTPException, OSError) as exc:
            refused[type(exc).__name__] += 1
            return False
        with lock:
            accepted.append(message_id)
        return True

    def cases_of(slug: str) -> list[int]:
        from psm.cases.models import Case

        try:
            return list(Case.objects.filter(account__slug=slug).values_list("number", flat=True))
        finally:
            connection.close()

    def mail_loop() -> None:
        contacts = [("alma@acme.example", "acme"), ("bert@globex.example", "globex")]
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            sender, slug = rng.choice(contacts)
            kind = rng.random()
            if kind < 0.3 and (numbers := cases_of(slug)):
                number = rng.choice(numbers)
                send_mail(
                    sender,
                    f"{slug}+{number}@psm.localhost",
                    f"Re: update {n}",
                    f"More detail, message {n}.",
                    f"soak-{uuid.uuid4()}@{slug}.example",
                )
            else:
                urgent = rng.random() < 0.05
                subject = f"{'URGENT ' if urgent else ''}Problem {n}: job queue stuck"
                message_id = f"soak-{uuid.uuid4()}@{slug}.example"
                send_mail(sender, f"{slug}@psm.localhost", subject, f"Request {n}.", message_id)
                if rng.random() < 0.1:  # the relay retries: same message again
                    send_mail(sender, f"{slug}@psm.localhost", subject, f"Request {n}.", message_id)
            stop.wait(1 / args.mail_per_second)

    def page_loop() -> None:
        client = login("client_a")
        client.get(f"{base}/paging/", timeout=30)
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            n += 1
            text = f"soak page {n}"
            started = time.perf_counter()
            try:
                response = client.post(
                    f"{base}/paging/",
                    {
                        "priority": "P1",
                        "message": text,
                        "csrfmiddlewaretoken": client.cookies["csrftoken"],
                    },
                    timeout=60,
                )
                if response.status_code == 200:
                    with lock:
                        page_started[text] = started
                else:
                    errors[f"page HTTP {response.status_code}"] += 1
            except requests.RequestException as exc:
                errors[f"page {type(exc).__name__}"] += 1
            stop.wait(args.page_every)

    def ack_loop() -> None:
        """Engineers acknowledge from the link each page carries: three pages in four at
        once (the PSM), every fourth only when it has escalated to the manager, the last in
        the chain. (While a page waits, the portal adds a press to it instead of opening
        another, so every page must end acknowledged for the next press to page again.)"""
        seen = 0
        session = requests.Session()
        while not stop.is_set():
            with inbox.arrived:
                inbox.arrived.wait(timeout=1)
                fresh = inbox.received[seen:]
                seen = len(inbox.received)
            for _, path, body in fresh:
                message = body.get("message", "")
                match = ACK_LINK.search(message)
                if not match:
                    continue
                page_no = re.search(r"\[PAGE #(\d+)\]", body.get("title", "") + message)
                late = page_no is not None and int(page_no.group(1)) % 4 == 0
                if late and path != "/charlie":
                    continue
                try:
                    page = session.get(match.group(1), timeout=60)
                    token = CSRF.search(page.text)
                    if token:
                        session.post(
                            match.group(1),
                            {"csrfmiddlewaretoken": token.group(1)},
                            headers={"Referer": match.group(1)},
                            timeout=60,
                        )
                except requests.RequestException as exc:
                    errors[f"ack {type(exc).__name__}"] += 1

    def reply_loop() -> None:
        engineer = login("alice")
        n = 0
        while not stop.is_set() and time.monotonic() < deadline:
            numbers = cases_of("acme")
            if numbers:
                n += 1
                reference = f"ACME-{rng.choice(numbers)}"
                try:
                    page = engineer.get(f"{base}/cases/{reference}/", timeout=30)
                    token = CSRF.search(page.text)
                    engineer.post(
                        f"{base}/cases/{reference}/reply/",
                        {
                            "text": f"Engineer answer {n}: please try the restart.",
                            "csrfmiddlewaretoken": token.group(1) if token else "",
                        },
                        headers={"Referer": f"{base}/cases/{reference}/"},
                        timeout=60,
                    )
                except requests.RequestException as exc:
                    errors[f"reply {type(exc).__name__}"] += 1
            stop.wait(args.reply_every)

    killed_at = ""
    started_at = dt.datetime.now(dt.UTC)
    try:
        wait_for_http(f"{base}/login/")
        threads = [
            threading.Thread(target=f, daemon=True)
            for f in (mail_loop, page_loop, ack_loop, reply_loop)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.minutes * 30)
        victim = procs.running["worker-0"]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
        procs.psm("worker-0-restarted", *worker_cmd)
        while time.monotonic() < deadline:
            time.sleep(1)
        quiet = drain(connection)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        figures = measure(connection, inbox, accepted, page_started, data_dir)
        metrics = requests.get(f"{base}/metrics", timeout=30).text
    finally:
        stop.set()
        procs.stop()
        inbox.close()

    load = os.getloadavg()
    must_be_zero = {
        "mail accepted (250) and lost": figures["lost"],
        "mail accepted but left unprocessed": figures["unprocessed"],
        "duplicate cases (one Message-ID, two cases)": figures["duplicate_cases"],
        "pages escalated twice at one step": figures["double_escalations"],
        "notifications delivered more than once under different keys": figures["dup_delivery"],
    }
    latencies = figures["latencies"]
    q = (
        statistics.quantiles(latencies, n=100, method="inclusive")
        if len(latencies) > 1
        else [0] * 99
    )
    print(
        f"Command: `.venv/bin/python benchmarks/soak.py --database-url {args.database_url} "
        f"--minutes {args.minutes:g}`  \n"
        f"Processes: gunicorn with {args.web_processes} worker processes, {args.workers} "
        f"`psm worker`, {args.schedulers} `psm scheduler`, 1 `psm smtpd`; worker-0 SIGKILLed "
        f"at {killed_at} UTC and restarted  \n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python "
        f"{platform.python_version()}; started {started_at:%Y-%m-%d %H:%M} UTC; load average "
        f"at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; queue drained: {quiet}\n"
    )
    print("| driven | count |\n|---|---|")
    for name, value in figures["driven"].items():
        print(f"| {name} | {value:,} |")
    print(f"| SMTP refusals (the sender retries) | {sum(refused.values())} {dict(refused)} |")
    print(f"| driver errors | {sum(errors.values())} {dict(errors)} |")
    print("\n| must be 0 | result |\n|---|---|")
    for name, value in must_be_zero.items():
        print(f"| {name} | **{value}** |")
    if latencies:
        print(
            f"\nPage latency (button → provider), {len(latencies)} pages: median "
            f"{statistics.median(latencies):.0f} ms, p90 {q[89]:.0f} ms, **p99 {q[98]:.0f} ms**, "
            f"max {max(latencies):.0f} ms"
        )
    wanted = ("psm_task_queue_depth ", "psm_pages_waiting_ack ", "psm_notifications_failed ")
    print(
        "\n/metrics at the end: "
        + "; ".join(line for line in metrics.splitlines() if line.startswith(wanted))
    )
    print(f"\nLogs: {logs}")
    return 1 if any(must_be_zero.values()) else 0


def drain(connection: Any, timeout: float = 300) -> bool:
    """Wait until no task is ready and no inbound mail is unprocessed."""
    from django_tasks_db.models import DBTaskResult

    from psm.channels.email.models import InboundMessage, State

    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            busy = DBTaskResult.objects.ready().exists() or DBTaskResult.objects.running().exists()
            waiting = InboundMessage.objects.filter(state=State.RECEIVED).exists()
            if not busy and not waiting:
                return True
            time.sleep(2)
        return False
    finally:
        connection.close()


def measure(
    connection: Any,
    inbox: Any,
    accepted: list[str],
    page_started: dict[str, float],
    data_dir: Path,
) -> dict[str, Any]:
    from django.db.models import Count

    from psm.cases.models import Case, Message
    from psm.channels.email.models import InboundMessage, State
    from psm.notifications.models import Notification
    from psm.paging.models import Page, PageStep, StepKind

    try:
        stored = set(InboundMessage.objects.values_list("message_id", flat=True))
        lost = len(set(accepted) - stored)
        unprocessed = InboundMessage.objects.filter(
            state__in=[State.RECEIVED, State.FAILED]
        ).count()
        duplicate_cases = (
            InboundMessage.objects.filter(state=State.CASE_OPENED)
            .values("message_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        double_escalations = (
            PageStep.objects.filter(kind=StepKind.ESCALATED)
            .values("page_id", "position")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        states = dict(
            InboundMessage.objects.values_list("state").annotate(n=Count("id")).order_by()
        )
        driven = {
            "mail accepted over SMTP": len(accepted),
            "distinct Message-IDs": len(set(accepted)),
            **{f"inbound: {state}": n for state, n in sorted(states.items())},
            "cases": Case.objects.count(),
            "engineer replies (web)": Message.objects.filter(
                author_user__isnull=False, direction="out"
            ).count(),
            "pages": Page.objects.count(),
            "pages acknowledged": Page.objects.filter(acknowledged_at__isnull=False).count(),
            "escalation steps": PageStep.objects.filter(kind=StepKind.ESCALATED).count(),
            "notifications (outbox rows)": Notification.objects.count(),
            "pager deliveries received": len(inbox.received),
        }
    finally:
        connection.close()

    # Deliveries, as the receivers saw them: the same content under two keys is a duplicate.
    by_content: dict[tuple[str, str], set[str]] = defaultdict(set)
    for _, path, body in inbox.received:
        content = hashlib.sha256(
            (body.get("title", "") + body.get("message", "")).encode()
        ).hexdigest()
        by_content[(path, content)].add(body.get("_key", ""))
    for file in (data_dir / "outbox").glob("*.log"):
        for chunk in file.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not chunk.strip():
                continue
            msg = email.message_from_bytes(chunk, policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            content = hashlib.sha256(f"{msg['Subject']}\n{text}".encode()).hexdigest()
            by_content[(str(msg["To"]), content)].add(str(msg["Message-ID"]))
    dup_delivery = sum(1 for keys in by_content.values() if len(keys) > 1)
    driven["e-mails delivered (files)"] = sum(
        1 for (to, _), _keys in by_content.items() if "@" in to
    )

    latencies = []
    for at, _, body in inbox.received:
        match = re.search(r"(soak page \d+)\n", body.get("message", ""))
        if match and match.group(1) in page_started:
            latencies.append((at - page_started.pop(match.group(1))) * 1000)
    return {
        "lost": lost,
        "unprocessed": unprocessed,
        "duplicate_cases": duplicate_cases,
        "double_escalations": double_escalations,
        "dup_delivery": dup_delivery,
        "latencies": latencies,
        "driven": driven,
    }


if __name__ == "__main__":
    sys.exit(main())
