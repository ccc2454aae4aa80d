"""Every trend table as XLSX or CSV: the same rows the page shows, for the same filter."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse

from .selectors import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
            # Text cells (search words) go in as strings, never as formulas.
            sheet.append([_cell(v) if not isinstance(v, str) else v for v in row])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def csv_text(headings: list, rows: list[list]) -> str:
    """The one place this module writes CSV: UTF-8 with a BOM (Excel reads Chinese
    right) and text that a spreadsheet would run as a formula prefixed with '."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headings])
    for row in rows:
        writer.writerow([
            "'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else _cell(v) for v in row
        ])
    return out.getvalue()


def csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(csv_text(table.headings, table.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
