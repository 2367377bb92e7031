from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "payroll"

    def ready(self) -> None:
        from core import deletion
        from payroll.selectors import deletion_guard

        deletion.register_guard(deletion_guard)
