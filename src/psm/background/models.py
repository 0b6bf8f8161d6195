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
