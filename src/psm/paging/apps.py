from django.apps import AppConfig


class PagingConfig(AppConfig):
    name = "psm.paging"
    verbose_name = "Pages and escalation"

    def ready(self) -> None:
        from psm.lib import timeline
        from psm.paging import reactions
        from psm.paging import timeline as pages

        timeline.register("paging", "Pages", pages.entries)
        reactions.connect()
