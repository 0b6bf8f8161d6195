from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    """The telephone channel: the provider's voice and messaging webhooks. Its own app (label
    ``telephony``) inside ``psm.channels`` so its tables and migrations stand alone."""

    name = "psm.channels.telephony"
    label = "telephony"
    verbose_name = "Channels (telephone and SMS)"

    def ready(self) -> None:
        from psm.channels.telephony import signals  # noqa: F401  (keeps the phone index)
        from psm.channels.telephony import timeline as calls
        from psm.lib import timeline

        timeline.register("telephony", "Calls and texts", calls.entries)
