from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"

    def ready(self) -> None:
        from compensation.configuration import connect_signals

        connect_signals()
