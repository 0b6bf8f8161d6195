from django.db import models


class ScheduledRun(models.Model):
    """One row per (periodic task, time slot): the unique constraint is what makes two
    schedulers, on one machine or several, enqueue each slot exactly once."""

    name = models.CharField(max_length=200)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="one_run_per_slot")]
        indexes = [models.Index(fields=["enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M:%S}"


class Heartbeat(models.Model):
    """The last sign of life of a long-running part (scheduler, SMTP listener, IMAP poll),
    one row per part and host: what ``/healthz`` and ``/metrics`` read."""

    name = models.CharField(max_length=40)
    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField(default=0)
    beat_at = models.DateTimeField(db_index=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "host"], name="one_beat_per_host")]

    def __str__(self) -> str:
        return f"{self.name}@{self.host} {self.beat_at:%Y-%m-%d %H:%M:%S}"
