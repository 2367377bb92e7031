"""Downloads of payroll documents (payslips, payroll sheets) outside the API."""

from django.urls import path

from payroll import views

app_name = "payroll"
urlpatterns = [
    path("payouts/<int:payout_id>/payslip.xlsx", views.PayslipDownload.as_view(), name="payslip"),
    path("runs/<int:run_id>/sheet.xlsx", views.PayrollSheetDownload.as_view(), name="payroll-sheet"),
    path("runs/<int:run_id>/payslips.zip", views.PayslipsZipDownload.as_view(), name="payslips-zip"),
]
