from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    """Companies, their stages and calendar, employees and memberships, and who may see what."""

    name = "organizations"

    def ready(self) -> None:
        from django.contrib import admin

        from organizations.admin_base import restrict_other_apps_to_superusers

        # After the admin's autodiscovery (django.contrib.admin is the first app): every
        # other app's admin is registered by now, whatever its place in INSTALLED_APPS.
        restrict_other_apps_to_superusers(admin.site)

        from organizations.services import register_reaches

        register_reaches()  # which closed periods a stage, calendar or employment-date write reaches
