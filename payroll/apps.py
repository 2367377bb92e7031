from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "payroll"

    def ready(self) -> None:
        from core import deletion
        from payroll.models import Adjustment
        from payroll.selectors import deletion_guard

        deletion.register_guard(deletion_guard)

        from core import periods
        from payroll.selectors import closed_periods
        from payroll.services.lifecycle import adjustment_reach

        periods.register_lookup(closed_periods)  # a period with an approved run is closed
        periods.register_reach(Adjustment, adjustment_reach)

        from payroll import tasks

        tasks.connect_receivers()  # the tasks decide what runs after a service's step
