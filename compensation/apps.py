from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"

    def ready(self) -> None:
        from compensation.configuration import connect_signals

        connect_signals()

        from compensation.services import register_reaches

        register_reaches()  # which closed periods a salary or scheme write reaches (core.periods)
