"""Every label of the payslip and the payroll sheet, in Russian and English (`Company.language`).

Both languages have every key (a test checks it). Labels with `{…}` are formatted."""

from __future__ import annotations

from collections.abc import Mapping

LABELS: Mapping[str, Mapping[str, str]] = {
    "ru": {
        "payslip": "Расчётный листок",
        "company": "Организация",
        "period": "Период",
        "personnel_number": "Табельный номер",
        "employee": "Сотрудник",
        "position": "Должность",
        "currency": "Валюта",
        "run_status": "Статус ведомости",
        "status_queued": "в очереди",
        "status_calculating": "рассчитывается",
        "status_calculated": "рассчитана",
        "status_approved": "утверждена",
        "status_paid": "выплачена",
        "status_failed": "ошибка расчёта",
        "status_cancelled": "отменена",
        "months": "январь,февраль,март,апрель,май,июнь,июль,август,сентябрь,октябрь,ноябрь,декабрь",
        "date_format": "DD.MM.YYYY",
        "section_fixed": "Фиксированная часть",
        "hire_date": "Дата приёма",
        "termination_date": "Дата увольнения",
        "working_days_in_period": "Рабочих дней в периоде",
        "segment_from": "С",
        "segment_to": "По",
        "monthly_salary": "Оклад в месяц",
        "working_days": "Отработано дней",
        "amount": "Сумма",
        "fixed_total": "Фиксированная часть за период",
        "section_kpis": "Показатели (KPI)",
        "kpi": "KPI",
        "plan": "План",
        "actual": "Факт",
        "fulfillment": "Выполнение",
        "cap": "Ограничение",
        "weight": "Вес",
        "note": "Примечание",
        "note_no_plan": "план не задан",
        "note_undefined": "не рассчитан: {reason}",
        "section_factors": "Коэффициенты",
        "factor": "Коэффициент",
        "input_value": "Выполнение / балл",
        "band_from": "Диапазон от",
        "band_to": "до",
        "coefficient": "Значение",
        "band_table": "Шкала",
        "band_open": "и выше",
        "input_kpi": "выполнение KPI «{name}»",
        "input_kpi_set": "балл набора KPI «{name}»",
        "input_unresolved": "не определён: {reason}",
        "section_bonus": "Премия",
        "no_scheme": "Схема премирования не назначена: премия 0",
        "scheme": "Схема премирования",
        "base_kind": "База премии",
        "base_kind_share": "доля фиксированной части",
        "base_kind_fixed_amount": "фиксированная сумма",
        "base_share": "Доля фиксированной части",
        "base": "База",
        "product": "Произведение коэффициентов",
        "cap_ratio": "Ограничение, × базы",
        "no_cap": "нет",
        "cap_amount": "Предел премии",
        "capped": "Ограничение применено",
        "yes": "да",
        "no": "нет",
        "bonus": "Премия",
        "section_adjustments": "Корректировки",
        "reason": "Основание",
        "adjustments": "Корректировки",
        "total": "Итого к выплате",
        "section_warnings": "Предупреждения",
        "warning_no_salary": "Нет действующего оклада: фиксированная часть 0",
        "warning_no_scheme": "Нет схемы премирования: премия 0",
        "warning_no_plan": "Нет плана по KPI {kpi}: выполнение считается 0",
        "warning_kpi_undefined": "KPI {kpi} не рассчитан: {message}",
        "warning_kpi_unknown": "KPI {kpi} не определён",
        "warning_no_working_days": "В периоде нет рабочих дней: фиксированная часть 0",
        "warning_factor_unresolved": "Коэффициент {factor}: вход не определён, считается 0 %",
        "warning_other": "{message}",
        "sheet_payroll": "Ведомость {period}",
        "sheet_positions": "По должностям",
        "fixed": "Фикс. часть",
        "score": "Балл",
        "count": "Сотрудников",
        "totals": "Итого",
        "no_position": "(без должности)",
        "sheet_title": "Платёжная ведомость — {company}",
        "provisional_preview": "предварительный расчёт: месяц не закончился",
        "approved_by": "Утвердил",
        "not_approved": "не утверждена",
    },
    "en": {
        "payslip": "Payslip",
        "company": "Company",
        "period": "Period",
        "personnel_number": "Personnel number",
        "employee": "Employee",
        "position": "Position",
        "currency": "Currency",
        "run_status": "Payroll status",
        "status_queued": "queued",
        "status_calculating": "calculating",
        "status_calculated": "calculated",
        "status_approved": "approved",
        "status_paid": "paid",
        "status_failed": "failed",
        "status_cancelled": "cancelled",
        "months": "January,February,March,April,May,June,July,August,September,October,November,December",
        "date_format": "YYYY-MM-DD",
        "section_fixed": "Fixed pay",
        "hire_date": "Hire date",
        "termination_date": "Termination date",
        "working_days_in_period": "Working days in the period",
        "segment_from": "From",
        "segment_to": "To",
        "monthly_salary": "Monthly salary",
        "working_days": "Days worked",
        "amount": "Amount",
        "fixed_total": "Fixed pay for the period",
        "section_kpis": "KPIs",
        "kpi": "KPI",
        "plan": "Plan",
        "actual": "Actual",
        "fulfillment": "Fulfillment",
        "cap": "Cap",
        "weight": "Weight",
        "note": "Note",
        "note_no_plan": "no plan",
        "note_undefined": "not calculated: {reason}",
        "section_factors": "Coefficients",
        "factor": "Coefficient",
        "input_value": "Fulfillment / score",
        "band_from": "Band from",
        "band_to": "to",
        "coefficient": "Value",
        "band_table": "Band table",
        "band_open": "and above",
        "input_kpi": "fulfillment of KPI “{name}”",
        "input_kpi_set": "score of KPI set “{name}”",
        "input_unresolved": "not resolved: {reason}",
        "section_bonus": "Bonus",
        "no_scheme": "No bonus scheme in force: bonus 0",
        "scheme": "Bonus scheme",
        "base_kind": "Bonus base",
        "base_kind_share": "share of fixed pay",
        "base_kind_fixed_amount": "fixed amount",
        "base_share": "Share of fixed pay",
        "base": "Base",
        "product": "Product of coefficients",
        "cap_ratio": "Cap, × base",
        "no_cap": "none",
        "cap_amount": "Bonus limit",
        "capped": "Cap applied",
        "yes": "yes",
        "no": "no",
        "bonus": "Bonus",
        "section_adjustments": "Adjustments",
        "reason": "Reason",
        "adjustments": "Adjustments",
        "total": "Total to pay",
        "section_warnings": "Warnings",
        "warning_no_salary": "No salary agreement in force: fixed pay is 0",
        "warning_no_scheme": "No bonus scheme in force: bonus is 0",
        "warning_no_plan": "No plan for KPI {kpi}: fulfillment counts as 0",
        "warning_kpi_undefined": "KPI {kpi} is undefined: {message}",
        "warning_kpi_unknown": "KPI {kpi} is not defined",
        "warning_no_working_days": "The period has no working days: fixed pay is 0",
        "warning_factor_unresolved": "Coefficient {factor}: input not resolved, counts as 0 %",
        "warning_other": "{message}",
        "sheet_payroll": "Payroll {period}",
        "sheet_positions": "By position",
        "fixed": "Fixed pay",
        "score": "Score",
        "count": "Employees",
        "totals": "Total",
        "no_position": "(no position)",
        "sheet_title": "Payroll sheet — {company}",
        "provisional_preview": "provisional preview: the month has not ended",
        "approved_by": "Approved by",
        "not_approved": "not approved",
    },
}
DEFAULT_LANGUAGE = "ru"


class Labels:
    """The labels of one language: `labels["total"]`, `labels.format("input_kpi", name=…)`."""

    def __init__(self, language: str):
        self.language = language if language in LABELS else DEFAULT_LANGUAGE
        self._labels = LABELS[self.language]

    def __getitem__(self, key: str) -> str:
        return self._labels[key]

    def __contains__(self, key: str) -> bool:
        return key in self._labels

    def format(self, key: str, **values: object) -> str:
        return self._labels[key].format(**values)

    def month(self, period: str) -> str:
        """`2026-11` → `ноябрь 2026` / `November 2026`."""
        year, month = period.split("-")
        return f"{self._labels['months'].split(',')[int(month) - 1]} {year}"

    def warning(self, warning: Mapping[str, str]) -> str:
        """A warning of the engine (code, kpi/factor, message) in this language."""
        key = f"warning_{warning.get('code', '')}"
        if key not in self._labels:
            key = "warning_other"
        message = warning.get("message", "")
        if warning.get("code") == "kpi_undefined":
            message = message.partition(": ")[2] or message  # the reason, without "KPI 'x' is undefined"
        return self._labels[key].format(kpi=warning.get("kpi", ""), factor=warning.get("factor", ""), message=message)
