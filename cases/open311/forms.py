"""The parameters of an Open311 ``POST requests`` as a Django form.

Open311 names (``first_name``, ``description``, ``attribute[...]``) map onto the
case's intake fields; the same plain-text cleaning and limits as the public
report form apply.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import MATTER_MAX, PlainLineField, PlainTextField
from cases.models import Case
from cases.services import normalize_phone
from kernel.text import plain_text

# attribute[...] codes (services/{code}.json lists them) → form field.
ATTRIBUTES = {
    "reporter_type": "reporter_type",
    "enterprise_name": "enterprise_name",
    "credit_code": "credit_code",
    "id_number": "reporter_id_number",
    "counter_name": "counter_name",
    "counter_failure_reason": "counter_failure_reason",
}


class RequestForm(forms.Form):
    service_code = forms.CharField(max_length=20, error_messages={"required": _("缺少 service_code。")})
    jurisdiction_id = forms.CharField(max_length=40, required=False)
    first_name = PlainLineField(max_length=50, required=False)
    last_name = PlainLineField(max_length=50, required=False)
    phone = forms.CharField(max_length=30, error_messages={"required": _("缺少 phone（联系电话）。")})
    description = PlainTextField(
        max_length=MATTER_MAX,
        error_messages={"required": _("缺少 description（反映事项）。"),
                        "max_length": _("description 最多 %(limit_value)d 个字（当前 %(show_value)d 个）。")},
    )
    # A case has no location or e-mail of its own; these go on the filing's internal note
    # (staff only) so nothing the other system sent is lost.
    email = forms.EmailField(max_length=254, required=False,
                             error_messages={"invalid": _("email 格式不正确。")})
    address_string = PlainLineField(max_length=300, required=False)
    lat = forms.FloatField(min_value=-90, max_value=90, required=False,
                           error_messages={"invalid": _("lat 应为纬度数字，例如 31.23。")})
    long = forms.FloatField(min_value=-180, max_value=180, required=False,
                            error_messages={"invalid": _("long 应为经度数字，例如 121.47。")})
    media_url = forms.URLField(max_length=500, required=False, assume_scheme="https",
                               error_messages={"invalid": _("media_url 应为网址。")})
    reporter_type = forms.ChoiceField(
        choices=Case.ReporterType.choices, required=False,
        error_messages={"invalid_choice": _("attribute[reporter_type] 只能是 person 或 enterprise。")},
    )
    enterprise_name = PlainLineField(max_length=150, required=False)
    credit_code = forms.CharField(max_length=30, required=False)
    reporter_id_number = forms.CharField(max_length=30, required=False)
    counter_name = PlainLineField(max_length=100, required=False)
    counter_failure_reason = PlainTextField(max_length=1000, required=False)

    PARAMETER_NAMES = {field: f"attribute[{code}]" for code, field in ATTRIBUTES.items()}

    @classmethod
    def from_request_data(cls, data) -> "RequestForm":
        values = {name: data.get(name, "") for name in cls.base_fields if name not in cls.PARAMETER_NAMES}
        for code, field in ATTRIBUTES.items():
            values[field] = data.get(f"attribute[{code}]", "")
        return cls(values)

    def clean_phone(self):
        # The service's own rule, checked here so its error comes with the other parameters' errors.
        return normalize_phone(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        name = plain_text((cleaned.get("last_name") or "") + (cleaned.get("first_name") or ""), single_line=True)
        if not name:
            self.add_error("last_name", _("缺少反映人姓名（last_name 姓、first_name 名）。"))
        cleaned["reporter_name"] = name[:50]
        if not cleaned.get("reporter_type"):
            cleaned["reporter_type"] = Case.ReporterType.PERSON
        if (cleaned.get("lat") is None) != (cleaned.get("long") is None):
            self.add_error("lat", _("lat 和 long 须同时提供。"))
        return cleaned

    def extras(self) -> dict[str, str]:
        """What the other system sent that a case has no field for (``Case.filing_extras``)."""
        cleaned = self.cleaned_data
        extras = {"address": cleaned.get("address_string") or "", "email": cleaned.get("email") or "",
                  "media_url": cleaned.get("media_url") or ""}
        if cleaned.get("lat") is not None and cleaned.get("long") is not None:
            extras["lat"], extras["long"] = str(cleaned["lat"]), str(cleaned["long"])
        return {k: v for k, v in extras.items() if v}

    def parameter_name(self, field: str) -> str:
        return self.PARAMETER_NAMES.get(field, field)
