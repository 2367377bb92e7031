from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"

    def ready(self) -> None:
        from compensation.configuration import connect_signals

        connect_signals()

        from compensation.services import kpi_guard, register_reaches
        from core import deletion

        deletion.register_guard(kpi_guard)  # a KPI a scheme reads is not deleted

        register_reaches()  # which closed periods a salary or scheme write reaches (core.periods)
