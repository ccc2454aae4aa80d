"""Every write on the case desk, one module per sub-domain.

Each service is keyword-only, runs in one transaction, validates with
``full_clean()`` and appends an audit ``TimelineEntry`` with its author, so a
failure leaves nothing half-saved and every change can be traced. Callers use
``from cases import services`` and ``services.case_close(...)``; the names below
are the public surface, whichever module holds them.
"""

from cases.services.base import (
    SUPERVISOR_GROUP,
    ESCALATION_THRESHOLD,
    RECTIFICATION_WORKING_DAYS,
    DEFAULT_CLASS_DAYS,
    CONFLICT_MESSAGE,
    CaseConflictError,
    normalize_phone,
    class_deadline,
)
from cases.services.intake import (
    INTAKE_FIELDS,
    case_register,
    case_register_or_existing,
    case_update_intake,
    online_report_key,
)
from cases.services.dispatch import (
    case_triage,
    case_refer_out,
    case_dispatch,
    case_escalate,
    dispatch_return,
    dispatch_reassign,
    dispatch_reply,
    mail_supervisors_escalation,
)
from cases.services.notes import (
    case_add_note,
    case_message_reporter,
    case_log_personal_data_view,
    case_log_personal_data_export,
    case_log_reporter_lookup,
)
from cases.services.materials import (
    material_add,
    material_receive,
    material_waive,
)
from cases.services.deadlines import (
    extension_request,
    extension_decide,
)
from cases.services.closure import (
    case_close,
    case_rate,
    rectification_submit,
    rectification_verify,
    return_visit_record,
    case_reopen,
    case_archive,
    case_log_reminder,
)
from cases.services.links import (
    case_merge,
    case_register_into,
    case_link_article,
    case_quote_article_steps,
    case_flag_article,
    article_draft_from_case,
)
from cases.services.class_cases import (
    CLASS_CASE_WORKING_DAYS,
    class_case_open,
    class_case_close,
)
from cases.services.retention import (
    case_personal_data_erase,
)

__all__ = [
    "SUPERVISOR_GROUP",
    "ESCALATION_THRESHOLD",
    "RECTIFICATION_WORKING_DAYS",
    "DEFAULT_CLASS_DAYS",
    "CONFLICT_MESSAGE",
    "CaseConflictError",
    "normalize_phone",
    "class_deadline",
    "INTAKE_FIELDS",
    "case_register",
    "case_register_or_existing",
    "case_update_intake",
    "online_report_key",
    "case_triage",
    "case_refer_out",
    "case_dispatch",
    "case_escalate",
    "dispatch_return",
    "dispatch_reassign",
    "dispatch_reply",
    "mail_supervisors_escalation",
    "case_add_note",
    "case_message_reporter",
    "case_log_personal_data_view",
    "case_log_personal_data_export",
    "case_log_reporter_lookup",
    "material_add",
    "material_receive",
    "material_waive",
    "extension_request",
    "extension_decide",
    "case_close",
    "case_rate",
    "rectification_submit",
    "rectification_verify",
    "return_visit_record",
    "case_reopen",
    "case_archive",
    "case_log_reminder",
    "case_merge",
    "case_register_into",
    "case_link_article",
    "case_quote_article_steps",
    "case_flag_article",
    "article_draft_from_case",
    "CLASS_CASE_WORKING_DAYS",
    "class_case_open",
    "class_case_close",
    "case_personal_data_erase",
]
