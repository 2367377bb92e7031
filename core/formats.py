"""What the apps share about formats: text PostgreSQL can store, the workbook media type."""

#: The media type of an .xlsx workbook (the payroll sheet, payslips, import templates).
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def unstorable_reason(text: str) -> str | None:
    """Why PostgreSQL cannot hold this text (a NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "null characters are not allowed"
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return "surrogate characters are not allowed"
    return None
