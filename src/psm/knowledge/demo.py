"""Demo knowledge base for ``psm demo``: Acme's intranet documentation (a backup procedure
with two revisions and links between articles, a restore guide, a VPN how-to), an internal
runbook, a draft, and a global article; the Acme client's answer to "Did this help?".
Idempotent (an article that exists is left as it is)."""

from __future__ import annotations

from psm.accounts.models import Account, Contact
from psm.knowledge import services
from psm.knowledge.models import Article, Status, Visibility
from psm.team.models import User

BACKUP_V1 = """\
ClearCase VOBs are backed up every night at **02:00 Boston time**.

1. The VOBs are locked (`cleartool lock -vob`).
2. A snapshot of the storage is taken.
3. The VOBs are unlocked.

If a backup fails, your PSM is told at once.
"""

BACKUP_V2 = """\
ClearCase VOBs are backed up every night at **02:00 Boston time** and the copies are kept
for **35 days** off site.

## Steps

1. The VOBs are locked (`cleartool lock -vob`).
2. A snapshot of the storage is taken and copied to the off-site store.
3. The VOBs are unlocked; the whole window is under 10 minutes.

## When something goes wrong

If a backup fails, your PSM is told at once. To get a file back, see
[Restoring a VOB from backup](article:restoring-a-vob).

| What | When | Kept |
|---|---|---|
| VOB snapshot | nightly 02:00 | 35 days |
| Registry | weekly, Sunday | 12 weeks |
"""

RESTORE = """\
Restoring brings a VOB back to the state of one nightly backup.

1. Open a case with the VOB's tag and the date you need.
2. Your PSM restores the snapshot to a **staging** VOB first.
3. Check the files you need, then tell your PSM to swap the VOBs.

See [how backups are made](article:vob-backup-procedure).
"""

VPN = """\
Engineers reach the build servers in Boston through the corporate VPN.

- Use the *Acme-Engineering* profile.
- Multi-factor sign-in is required.
- Slow? Try `ping vob01.acme.example` and send the result with your case.
"""

RUNBOOK = """\
Internal: the backup job runs as `ccbackup` on vob01. Credentials are in the team vault
under *Acme / ClearCase*. Escalate storage errors to the Acme storage team (Dave).
"""

GLOBAL = """\
Open a case by e-mail to your PSM's direct address, in the portal, or by telephone. For
a P1 outside business hours, use **Page my PSM**: the engineer on call answers within
15 minutes, every day except provider holidays.
"""


def populate() -> dict[str, int]:
    acme = Account.objects.filter(slug="acme").first()
    if acme is None:
        return {}
    engineer = User.objects.filter(username="engineer").first()
    made = 0

    def add(
        account: Account | None,
        slug: str,
        title: str,
        body: str,
        tags: list[str],
        visibility: str = Visibility.CLIENT,
        status: str = Status.PUBLISHED,
    ) -> Article | None:
        nonlocal made
        if Article.objects.filter(account=account, slug=slug).exists():
            return None
        made += 1
        return services.save_article(
            engineer, None, account=account, slug=slug, title=title, body=body, tags=tags,
            visibility=visibility, status=status,
        )  # fmt: skip

    backup = add(
        acme, "vob-backup-procedure", "VOB backup procedure", BACKUP_V1, ["backup", "clearcase"]
    )
    if backup is not None:
        services.save_article(
            engineer, backup, title=backup.title, body=BACKUP_V2, tags=backup.tags,
            visibility=backup.visibility, status=backup.status,
            note="Off-site copies and the retention table",
        )  # fmt: skip
    restore = add(
        acme, "restoring-a-vob", "Restoring a VOB from backup", RESTORE, ["backup", "clearcase"]
    )
    add(acme, "vpn-to-the-build-servers", "VPN to the build servers", VPN, ["network"])
    add(
        acme, "backup-runbook", "Backup job runbook (internal)", RUNBOOK, ["backup"],
        visibility=Visibility.INTERNAL,
    )  # fmt: skip
    add(
        acme, "clearcase-11-upgrade-plan", "ClearCase 11 upgrade plan", "To be agreed.",
        ["clearcase", "upgrade"], status=Status.DRAFT,
    )  # fmt: skip
    add(None, "how-to-reach-your-psm", "How to reach your PSM", GLOBAL, ["support"])
    client = User.objects.filter(username="client").first()
    contact = Contact.objects.filter(user=client, account=acme).first()
    if restore is not None and client is not None and contact is not None:
        services.answer(restore, client, contact, helpful=True, comment="Clear steps, thanks.")
    return {"articles": made}
