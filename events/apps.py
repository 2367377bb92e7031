from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Data in from where it lives (issue 15): leads and spend as events, attributed to
    employees, feeding the measure values of open periods."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self) -> None:
        from compensation.demo import register_demo_part
        from events.demo import seed_events_demo

        register_demo_part(seed_events_demo)  # the demo company's attribution rules
