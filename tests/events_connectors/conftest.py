"""Recorded answers and exports of each source (fixtures/README.md says where each field comes
from); nothing here touches the network or the database."""

import io
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def xlsx_of(rows: list[list[object]], title_rows: list[list[object]] | None = None) -> bytes:
    """A workbook as the systems' exports write one: optional title rows, the header, the rows."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in [*(title_rows or []), *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def read():
    return fixture_bytes
