"""Forms of the knowledge site: the public feedback form and the 政策变化登记 form."""

from django import forms
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_LENGTH = 500


class FeedbackForm(forms.Form):
    """"这篇内容有帮助吗？" — yes/no plus an optional comment.

    ``website`` is a honeypot: hidden from people, filled in by naive bots.
    """

    helpful = forms.TypedChoiceField(
        label=_("这篇内容有帮助吗？"),
        choices=[("yes", _("有帮助")), ("no", _("没帮助"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择“有帮助”或“没帮助”。")},
    )
    comment = forms.CharField(
        label=_("补充意见（选填）"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        error_messages={
            "max_length": _("意见最多 %(limit_value)d 个字，您输入了 %(show_value)d 个字。"),
        },
    )
    website = forms.CharField(label=_("网站（请留空）"), required=False)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError(_("提交未通过校验，请刷新页面后重试。"))
        return ""


class PolicyChangeFormMixin(forms.Form):
    """Admin form of 政策变化登记: the new policy is picked from the library or, when it
    is not on file yet, described here and added with the change."""

    new_policy_title = forms.CharField(
        label=_("或新增政策文件：文件名称"), max_length=255, required=False,
        help_text=_("新政策还不在政策文件库中时填写，登记时一并新增。"),
    )
    new_policy_document_number = forms.CharField(label=_("新文件文号"), max_length=80, required=False)
    new_policy_issuing_body = forms.CharField(label=_("新文件发文机关"), max_length=150, required=False)
    new_policy_summary = forms.CharField(
        label=_("新文件要点"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "new_policy" in self.fields:
            self.fields["new_policy"].required = False
            self.fields["new_policy"].help_text = _("从政策文件库中选择；库中没有时，在下方新增。")
        if "service_items" in self.fields:
            # A plain multiple select: without saying so, a liaison picks one item and the
            # next click silently drops it.
            self.fields["service_items"].help_text = _("可多选：按住 Ctrl（Mac 上按住 ⌘）逐个点选。")

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("new_policy")
        title = (cleaned.get("new_policy_title") or "").strip()
        if chosen and title:
            self.add_error("new_policy_title", _("已选择新政策，无需再新增；如要新增，请先清空上方的选择。"))
        elif not chosen and not title and "new_policy" not in self.errors:
            self.add_error("new_policy", _("请选择新政策，或在下方填写新增的政策文件。"))
        elif not chosen and title and not (cleaned.get("new_policy_issuing_body") or "").strip():
            self.add_error("new_policy_issuing_body", _("新增政策文件时请填写发文机关。"))
        return cleaned
