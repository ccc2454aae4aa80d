"""Import of historical ledgers (Putuo-style spreadsheets) into the case desk.

Two steps: ``preview`` parses and validates every row against a column
mapping and reports row-level errors in Chinese; ``import_rows`` creates the
cases in one transaction, and only when no row had an error.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import selectors, services
from cases.models import Case
from kernel import personal_data
from kernel.text import plain_text
from knowledge.models import District

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# target field -> (label, default header in Putuo-style ledgers, required)
TARGETS = {
    "reported_on": (gettext_lazy("反映日期"), "反映日期", True),
    "reporter_name": (gettext_lazy("反映人"), "反映人", True),
    "reporter_phone": (gettext_lazy("联系电话"), "联系电话", True),
    "matter": (gettext_lazy("反映事项"), "反映事项", True),
    "district": (gettext_lazy("所属区"), "所属区", False),
    "result": (gettext_lazy("处理结果"), "处理结果", False),
    "reporter_id_number": (gettext_lazy("身份证号码"), "身份证号码", False),
    "credit_code": (gettext_lazy("统一社会信用代码"), "统一社会信用代码", False),
    "enterprise_name": (gettext_lazy("企业名称"), "企业名称", False),
}


class LedgerImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（CSV 或 XLSX）"), required=False)
    upload_token = forms.CharField(widget=forms.HiddenInput, required=False)
    default_district = forms.ModelChoiceField(
        label=gettext_lazy("默认所属区"), queryset=District.objects.all(), required=False,
        help_text=gettext_lazy("台账没有“所属区”列或该列为空时使用。"),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("确认导入（不勾选则只预览）"), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            districts, _halls = selectors.registration_places_for(user)
            if districts is not None:
                self.fields["default_district"].queryset = districts
        for name, (label, header, required) in TARGETS.items():
            self.fields[f"col_{name}"] = forms.CharField(
                label=gettext_lazy("“%(f)s”对应的列名") % {"f": label},
                initial=header, required=required, max_length=50,
            )

    def mapping(self) -> dict[str, str]:
        return {
            name: (self.cleaned_data.get(f"col_{name}") or "").strip()
            for name in TARGETS
            if (self.cleaned_data.get(f"col_{name}") or "").strip()
        }


@dataclasses.dataclass
class PreviewRow:
    line: int
    values: dict
    errors: list[str]
    data: dict | None = None


@dataclasses.dataclass
class PreviewResult:
    headers: list[str]
    rows: list[PreviewRow]

    @property
    def errors(self) -> list[PreviewRow]:
        return [row for row in self.rows if row.errors]


def read_table(content: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("文件过大：不能超过 5 MB。")})
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            raise ValidationError({"file": _("无法读取 XLSX 文件，请确认文件未损坏。")})
        sheet = workbook.worksheets[0]
        rows = [
            ["" if v is None else (v.date().isoformat() if isinstance(v, datetime.datetime) else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    elif name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("无法识别 CSV 文件编码，请另存为 UTF-8。")})
        rows = list(csv.reader(io.StringIO(text)))
    else:
        raise ValidationError({"file": _("只支持 CSV 或 XLSX 文件。")})
    rows = [row for row in rows if any(str(c).strip() for c in row)]
    if not rows:
        raise ValidationError({"file": _("文件中没有数据。")})
    headers = [str(h).strip() for h in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError({"file": _("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}})
    return headers, rows[1:]


def _parse_date(value: str) -> datetime.date:
    value = value.strip().replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError


def _outcome_from_result(text: str) -> str:
    if "部分" in text:
        return Case.Outcome.PARTIAL
    if "不能" in text or "不予" in text:
        return Case.Outcome.NOT_ALLOWED
    if "转" in text:
        return Case.Outcome.REFERRED
    return Case.Outcome.DONE


def preview(
    *, content: bytes, filename: str, mapping: dict[str, str], default_district=None, user=None
) -> PreviewResult:
    headers, raw_rows = read_table(content, filename)
    missing = [header for header in mapping.values() if header not in headers]
    if missing:
        raise ValidationError(
            _("文件中找不到这些列：%(cols)s。文件的列为：%(have)s。")
            % {"cols": "、".join(missing), "have": "、".join(headers)}
        )
    index = {name: headers.index(header) for name, header in mapping.items()}
    districts = {d.name: d for d in District.objects.all()}
    rows = []
    for offset, raw in enumerate(raw_rows, start=2):
        values = {name: (str(raw[i]).strip() if i < len(raw) else "") for name, i in index.items()}
        errors = []
        data = {}
        try:
            data["reported_on"] = _parse_date(values.get("reported_on", ""))
        except ValueError:
            errors.append(_("反映日期“%(v)s”无法识别，请使用 2026-03-01 格式。") % {"v": values.get("reported_on", "")})
        for name, message in (("reporter_name", _("反映人不能为空。")), ("matter", _("反映事项不能为空。"))):
            cleaned = plain_text(values.get(name, ""), single_line=name == "reporter_name")
            if not cleaned:
                errors.append(message)
            data[name] = cleaned
        try:
            data["reporter_phone"] = services.normalize_phone(values.get("reporter_phone", ""))
        except ValidationError as exc:
            errors.extend(exc.messages)
        if values.get("reporter_id_number"):
            try:
                data["reporter_id_number"] = personal_data.normalize_resident_id(values["reporter_id_number"])
            except ValidationError as exc:
                errors.extend(exc.messages)
        if values.get("credit_code"):
            try:
                data["credit_code"] = personal_data.normalize_credit_code(values["credit_code"])
            except ValidationError as exc:
                errors.extend(exc.messages)
        district_name = values.get("district", "")
        if district_name:
            district = districts.get(district_name) or districts.get(district_name + "区")
            if district is None:
                errors.append(_("所属区“%(v)s”不存在。") % {"v": district_name})
        else:
            district = default_district
            if district is None:
                errors.append(_("缺少所属区，且未选择默认所属区。"))
        if district is not None and user is not None and not selectors.may_register_in(user, district=district, hall=None):
            # Imported into another district, the rows would vanish from the importer's own list.
            errors.append(_("所属区“%(v)s”不在您负责的范围内，请由该区或市级管理员导入。") % {"v": district.name})
        data["district"] = district
        data["enterprise_name"] = plain_text(values.get("enterprise_name", ""), single_line=True)
        data["result"] = plain_text(values.get("result", ""))
        if len(data.get("matter", "")) > 2000:
            errors.append(_("反映事项超过 2000 字。"))
        rows.append(PreviewRow(line=offset, values=values, errors=errors, data=None if errors else data))
    return PreviewResult(headers=headers, rows=rows)


@transaction.atomic
def import_rows(*, rows: list[PreviewRow], author) -> list[Case]:
    """Create one case per row; any error (already checked in preview) rolls everything back."""
    from search import indexing

    if any(row.errors for row in rows):
        raise ValidationError(_("台账中有错误行，未导入任何数据。"))
    # Each row writes its case three times (register, triage, close): index it once.
    with indexing.batched():
        return [_import_row(row, author) for row in rows]


def _import_row(row: PreviewRow, author) -> Case:
    data = row.data
    created_at = timezone.make_aware(datetime.datetime.combine(data["reported_on"], datetime.time(9, 0)))
    case = services.case_register(
        author=author,
        channel=Case.Channel.COUNTER,
        district=data["district"],
        reporter_type=Case.ReporterType.ENTERPRISE if data["enterprise_name"] else Case.ReporterType.PERSON,
        reporter_name=data["reporter_name"],
        reporter_phone=data["reporter_phone"],
        reporter_id_number=data.get("reporter_id_number", ""),
        credit_code=data.get("credit_code", ""),
        enterprise_name=data["enterprise_name"],
        matter=data["matter"],
        created_at=created_at,
    )
    services.case_add_note(case=case, author=author, text=_("由历史台账导入（第 %(n)d 行）。") % {"n": row.line})
    if data["result"]:
        # Historical ledgers only record the result; the class is unknown, so the
        # case is classified as 难办/其他 for the record and closed with that result.
        case = services.case_triage(
            case=case, author=author, classification="difficult", blocking_cause="other",
            deadline=data["reported_on"],
        )
        case = services.case_close(
            case=case, author=author, outcome=_outcome_from_result(data["result"]),
            resolution_summary=data["result"],
        )
    return case
