"""Spreadsheet files people open in Excel or WPS: formulas neutralised, CSV readable on Chinese Windows.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or
their full-width forms, after leading spaces) is a formula to a spreadsheet: a
reporter's name ``=HYPERLINK("http://…","点我")`` would become a live link in a
coordinator's export. Such text gets a leading apostrophe in CSV, which spreadsheets
show as plain text, and Excel's quote prefix in Wagtail's XLSX exports (a text cell that
stays text when edited). CSV files start with a UTF-8 byte-order mark, without which Excel
on a Chinese Windows reads UTF-8 as GBK and shows garbage.

``install()`` (called once from the kernel app's ``ready``) applies both to
Wagtail's ``SpreadsheetExportMixin``, which every listing and report export in the
admin goes through — ours and Wagtail's own.
"""

from __future__ import annotations

import unicodedata

CSV_BOM = "\ufeff"
_FORMULA_STARTS = frozenset("=+-@\t\r")
_LEADING_BLANKS = " \u3000\u00a0"


def is_formula_like(text: str) -> bool:
    if not text:
        return False
    if text[0] in _FORMULA_STARTS:
        return True
    stripped = text.lstrip(_LEADING_BLANKS)
    return bool(stripped) and unicodedata.normalize("NFKC", stripped[0]) in _FORMULA_STARTS


def safe_cell(value):
    """``value`` as a spreadsheet must show it: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def xlsx_append(sheet, values) -> None:
    """Append a row to an openpyxl worksheet with every text cell kept as text, never a formula."""
    sheet.append([safe_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def install() -> None:
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_bancheng_safe", False):
        return
    original_write_row = SpreadsheetExportMixin.write_csv_row
    original_stream = SpreadsheetExportMixin.stream_csv

    def write_csv_row(self, writer, row_dict):
        # Wagtail writes headings through the writer directly; rows come here after preprocessing.
        safe = {field: safe_cell(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                for field, value in row_dict.items()}
        return writer.writerow(safe)

    def stream_csv(self, queryset):
        yield CSV_BOM.encode("utf-8")
        yield from original_stream(self, queryset)

    original_xlsx_row = SpreadsheetExportMixin.generate_xlsx_row

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        # Wagtail already stores "=…" as text; the quote prefix also keeps it text when someone
        # edits the cell in Excel or WPS (F2, Enter), which would otherwise make it a live formula.
        for cell in original_xlsx_row(self, worksheet, row_dict, date_format):
            if isinstance(cell.value, str) and is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
            yield cell

    write_csv_row.__wrapped__ = original_write_row
    SpreadsheetExportMixin.write_csv_row = write_csv_row
    SpreadsheetExportMixin.stream_csv = stream_csv
    SpreadsheetExportMixin.generate_xlsx_row = generate_xlsx_row
    SpreadsheetExportMixin._bancheng_safe = True
