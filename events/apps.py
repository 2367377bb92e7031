from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Data in from where it lives (issue 15): leads and spend as events, attributed to
    employees, feeding the measure values of open periods."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
