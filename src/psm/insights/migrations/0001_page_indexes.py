"""Indexes the staff pages' plans need on the cases table, measured with benchmarks/pages.py
on 1,000,000 cases (see BENCHMARKS.md "Pages"). Plain SQL that SQLite and PostgreSQL both
accept; the cases app's models are unchanged, so these live here, next to the queries."""

from django.db import migrations

ACTIVE = "('new', 'open', 'waiting_on_provider', 'waiting_on_client')"

INDEXES = [
    # Overview "last contact": the latest update per account, one index probe each.
    ("insights_case_last_update", "(account_id, last_update_at)", ""),
    # Overview "open cases by priority" and each engineer's load: only the active cases,
    # read from the index alone.
    (
        "insights_case_active",
        "(account_id, priority, assignee_id, next_due)",
        f"WHERE status IN {ACTIVE}",
    ),
    # "Breaches this month": only the few cases that missed a target, by the due time.
    ("insights_case_fr_missed", "(first_response_due)", "WHERE first_response_breached"),
    ("insights_case_nu_missed", "(next_update_due)", "WHERE next_update_breached"),
    ("insights_case_res_missed", "(resolution_due)", "WHERE resolution_breached"),
    # Case list filtered by priority and sorted by due time (and its count).
    ("insights_case_priority_due", "(priority, next_due, id)", ""),
]


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {columns} {where}".strip(),
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, columns, where in INDEXES
    ]
