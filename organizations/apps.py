from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    """Companies, their stages and calendar, employees and memberships, and who may see what."""

    name = "organizations"

    def ready(self) -> None:
        from organizations.services import register_reaches

        register_reaches()  # which closed periods a stage, calendar or employment-date write reaches
