"""Public forms of the knowledge site."""

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
