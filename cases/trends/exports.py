"""Every trend table as XLSX or CSV: the same rows the page shows, for the same filter."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from kernel.exports import CSV_BOM, safe_cell, xlsx_append

from .selectors import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    return "" if value is None else value


def xlsx_response(tables: list[Table], filename: str) -> HttpResponse:
    """One sheet per table; numbers stay numbers so a spreadsheet can sum them."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31])
        sheet.append([str(h) for h in table.headings])
        for row in table.rows:
            # Text cells (search words) go in as text, never as formulas.
            xlsx_append(sheet, [_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def csv_text(headings: list, rows: list[list]) -> str:
    """The one place this module writes CSV, with the kernel's rules for every export:
    a UTF-8 BOM (Excel reads Chinese right) and formula-like text made plain text."""
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headings])
    for row in rows:
        writer.writerow([safe_cell(_cell(v)) for v in row])
    return out.getvalue()


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(csv_text(table.headings, table.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
