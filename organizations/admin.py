"""The admin of companies (their stages and calendar) and of who works for which."""

from django.contrib import admin

from organizations import access
from organizations.admin_base import CompanyScopedAdmin, HistoryAdmin, RowsInline
from organizations.models import CalendarDay, Company, CompanyMembership, CompanyStage


class CompanyStageInline(RowsInline):
    model = CompanyStage


class CalendarDayInline(RowsInline):
    model = CalendarDay


@admin.register(Company)
class CompanyAdmin(HistoryAdmin):
    """HR edits its own company; a company is added or deleted, and four-eyes approval and
    automatic runs switched, only by a superuser (`access.SUPERUSER_ONLY_FIELDS`)."""

    list_display = ["name", "slug", "currency", "language", "four_eyes_approval", "automatic_runs"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CompanyStageInline, CalendarDayInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += access.SUPERUSER_ONLY_FIELDS[Company._meta.label_lower]
        return fields

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(CompanyMembership)
class CompanyMembershipAdmin(CompanyScopedAdmin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "is_lead"]
    list_filter = ["company", "role", "is_lead"]
    list_select_related = ["user", "company"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
