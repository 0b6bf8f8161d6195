from django.db import migrations


def index(apps, schema_editor):
    from psm.channels.telephony.phones import normalize

    Contact = apps.get_model("accounts", "Contact")
    ContactPhone = apps.get_model("telephony", "ContactPhone")
    rows = []
    for contact in Contact.objects.exclude(phone="", mobile="").iterator():
        for field in ("phone", "mobile"):
            number = normalize(getattr(contact, field))
            if number:
                rows.append(ContactPhone(contact_id=contact.pk, field=field, number=number))
    ContactPhone.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("telephony", "0001_initial")]

    operations = [migrations.RunPython(index, migrations.RunPython.noop)]
