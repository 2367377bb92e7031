"""The admin of companies (their stages and calendar) and of who works for which."""

from django.contrib import admin

from organizations.admin_base import DomainRulesAdmin, HistoryAdmin, RowsInline
from organizations.models import CalendarDay, Company, CompanyMembership, CompanyStage


class CompanyStageInline(RowsInline):
    model = CompanyStage


class CalendarDayInline(RowsInline):
    model = CalendarDay


@admin.register(Company)
class CompanyAdmin(HistoryAdmin):
    list_display = ["name", "slug", "currency", "language", "four_eyes_approval", "automatic_runs"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CompanyStageInline, CalendarDayInline]


@admin.register(CompanyMembership)
class CompanyMembershipAdmin(DomainRulesAdmin, admin.ModelAdmin):
    list_display = ["user", "company", "role", "is_lead"]
    list_filter = ["company", "role", "is_lead"]
    list_select_related = ["user", "company"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
