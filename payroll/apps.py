from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "payroll"

    def ready(self) -> None:
        from core import deletion
        from payroll.selectors import deletion_guard

        deletion.register_guard(deletion_guard)

        from payroll import tasks

        tasks.connect_receivers()  # the tasks decide what runs after a service's step
