"""Downloads of payroll documents (payslips, payroll sheets) outside the API."""

app_name = "payroll"
urlpatterns: list = []
