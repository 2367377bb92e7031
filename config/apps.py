from django.contrib.admin.apps import AdminConfig


class OperatorAdminConfig(AdminConfig):
    """django.contrib.admin whose `admin.site` answers superusers only (config.admin_site)."""

    default_site = "config.admin_site.OperatorAdminSite"
