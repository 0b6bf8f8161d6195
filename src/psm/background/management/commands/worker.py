"""``psm worker``: runs background tasks. Start as many as you like, on any machine that
reaches the database; each claims tasks with a row lock, so no task runs twice."""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run a PSM background worker (any number, on any number of machines)."
