"""The cases table's indexes for the staff pages now belong to the cases app (declared in
``Case.Meta.indexes``, created by ``cases/0002_page_indexes``, the same columns under new
names): drop the raw-SQL copies created by 0001 here. Runs after cases/0002, so the pages are
never without them."""

from django.db import migrations

ACTIVE = "('new', 'open', 'waiting_on_provider', 'waiting_on_client')"

INDEXES = [
    ("insights_case_last_update", "(account_id, last_update_at)", ""),
    (
        "insights_case_active",
        "(account_id, priority, assignee_id, next_due)",
        f"WHERE status IN {ACTIVE}",
    ),
    ("insights_case_fr_missed", "(first_response_due)", "WHERE first_response_breached"),
    ("insights_case_nu_missed", "(next_update_due)", "WHERE next_update_breached"),
    ("insights_case_res_missed", "(resolution_due)", "WHERE resolution_breached"),
    ("insights_case_priority_due", "(priority, next_due, id)", ""),
]


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_page_indexes"), ("cases", "0002_page_indexes")]

    operations = [
        migrations.RunSQL(
            f"DROP INDEX IF EXISTS {name}",
            f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {columns} {where}".strip(),
        )
        for name, columns, where in INDEXES
    ]
