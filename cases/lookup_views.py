"""来电查询: find a returning citizen's earlier cases by their phone or ID number.

A POST form (the number never reaches a URL or an access log); results are the
user's visible cases only, shown masked, and every case found records the lookup. Only for
roles that may see identifiers, and rate-limited per user.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cases import selectors, services
from cases.forms import ReporterLookupForm
from cases.permissions import can_look_up_reporter
from cases.viewsets import CaseDeskFormMixin
from kernel.ratelimit import Limit

# A caller at the counter is looked up once or twice; a run of lookups is harvesting.
LOOKUPS = Limit(scope="reporter-lookup", count=30, window=600)


class ReporterLookupView(CaseDeskFormMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "cases/admin/reporter_lookup.html"
    form_class = ReporterLookupForm
    page_title = gettext_lazy("来电查询")
    header_icon = "search"

    def dispatch(self, request, *args, **kwargs):
        if not can_look_up_reporter(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        if LOOKUPS.exceeded(f"user:{self.request.user.pk}"):
            form.add_error(None, _("查询过于频繁，请稍后再试。"))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        phone = form.cleaned_data["reporter_phone"]
        id_number = form.cleaned_data["reporter_id_number"]
        cases = selectors.cases_of_reporter(self.request.user, phone=phone, id_number=id_number)
        services.case_log_reporter_lookup(cases=cases, author=self.request.user, phone=phone, id_number=id_number)
        rows = [
            {"case": case, "reporter": selectors.masked_reporter(case), "deadline_state": selectors.deadline_state(case)}
            for case in cases
        ]
        # A fresh, empty form: the number typed is not echoed back into the page.
        context = self.get_context_data(form=self.form_class(), rows=rows, searched=True)
        return self.render_to_response(context)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response
