from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "kpis"

    def ready(self) -> None:
        from core import deletion
        from kpis.services import definition_guard, register_reaches

        deletion.register_guard(definition_guard)  # a KPI or measure in use is not deleted

        register_reaches()  # which closed periods a plan or measure value write reaches (core.periods)
