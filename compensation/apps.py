from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "compensation"

    def ready(self) -> None:
        from django.contrib import admin

        from compensation.admin import restrict_other_apps_to_superusers
        from compensation.configuration import connect_signals

        connect_signals()
        # After the admin's autodiscovery (django.contrib.admin is the first app): every
        # other app's admin is registered by now, whatever its place in INSTALLED_APPS.
        restrict_other_apps_to_superusers(admin.site)
