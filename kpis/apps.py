from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"

    def ready(self) -> None:
        from kpis.services import register_reaches

        register_reaches()  # which closed periods a plan or measure value write reaches (core.periods)
