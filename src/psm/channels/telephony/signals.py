"""Keep ``ContactPhone`` in step with each contact's numbers."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from psm.accounts.models import Contact


def index_contact(contact: Contact) -> None:
    from psm.channels.telephony.models import ContactPhone
    from psm.channels.telephony.phones import normalize

    for field in ("phone", "mobile"):
        number = normalize(getattr(contact, field))
        if number:
            ContactPhone.objects.update_or_create(
                contact=contact, field=field, defaults={"number": number}
            )
        else:
            ContactPhone.objects.filter(contact=contact, field=field).delete()


@receiver(post_save, sender=Contact, dispatch_uid="telephony-index-contact")
def contact_saved(
    sender: type[Contact], instance: Contact, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        index_contact(instance)
