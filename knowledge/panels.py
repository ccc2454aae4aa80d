"""Read-only editor panels: where a page came from and why it needs review.

Shown at the top of the article and guide edit views (issue 5): the
de-identification report of a draft created from a case (what was replaced,
with the originals masked), the number of cases it resolved (never who),
open review flags with their reasons and, on a transition guide, how many
cases opened after the change still mention the old policy.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, Panel


class _OriginPanel(Panel):
    template = ""
    selector_name = ""

    @property
    def clean_name(self):
        return super().clean_name or "origin"

    class BoundPanel(Panel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.template_name = self.panel.template

        def _info(self):
            if not hasattr(self, "_cached_info"):
                from . import selectors  # selectors import the models that use this panel

                page = self.instance
                self._cached_info = (
                    getattr(selectors, self.panel.selector_name)(page) if page is not None and page.pk else {}
                )
            return self._cached_info

        def is_shown(self):
            return bool(self._info())

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context.update(self._info())
            return context


class ArticleOriginPanel(_OriginPanel):
    template = "knowledge/admin/panels/article_origin.html"
    selector_name = "article_editor_info"


class GuideOriginPanel(_OriginPanel):
    template = "knowledge/admin/panels/guide_origin.html"
    selector_name = "guide_editor_info"


class PublicInfoPanel(FieldPanel):
    """公开信息核查: the guard's findings highlighted in the text, each confirmable with a reason.

    Shown to the editor, and to the liaison and reviewer who open the page in 部门会签 and 审核发布.
    """

    def __init__(self, field_name="public_info_acknowledgements", **kwargs):
        from .acknowledgements import PublicInfoWidget

        kwargs.setdefault("heading", _("公开信息核查"))
        kwargs.setdefault("widget", PublicInfoWidget)
        super().__init__(field_name, **kwargs)
