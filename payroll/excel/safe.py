"""Text typed by people goes into cells as text, never as a formula.

A name like `=HYPERLINK("http://x","y")` or `+1` must not become a formula in Excel or
LibreOffice (formula injection). Every text cell of our files is written through
`xlsx.Cells.text()`, which uses these two helpers: the text is stored as a string cell
(XlsxWriter's `write_string`: never a formula, whatever it starts with), and text that
starts like a formula also gets the quotePrefix style, so editing the cell in Excel keeps it
text. The text itself is kept exactly as typed (no added apostrophe), so a name reads back
as it was entered.
"""

import re

#: What Excel, LibreOffice and Google Sheets take as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the text of one cell.
MAX_CELL_TEXT = 32_767
# Characters XML 1.0 cannot carry at all (tab, line feed and carriage return it can).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell_text(value: object) -> str:
    """The text as a cell can hold it: characters XML cannot carry dropped, cut at Excel's limit."""
    text = value if isinstance(value, str) else str(value)
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return text[:MAX_CELL_TEXT]


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)
