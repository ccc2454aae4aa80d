"""Personal data in one place: what counts as it, how it is validated, masked and removed.

- ``identity``: resident-ID and unified social credit code validation and normalisation
  (and the form fields that use them);
- ``masking``: what a role without personal-data rights sees of a reporter;
- ``deidentify``: personal-data patterns found and replaced in free text.

Apps import from here (``from kernel.personal_data import mask_phone``); the
submodules are the implementation.
"""

from .deidentify import (
    KIND_LABELS,
    PLACEHOLDERS,
    DeidResult,
    Replacement,
    deidentify,
    find_personal_data,
    personal_data_message,
    redact_known_values,
    without_placeholders,
)
from .identity import (
    CREDIT_ALPHABET,
    CREDIT_WEIGHTS,
    ID_WEIGHTS,
    INDIVIDUAL_BUSINESS_CREDIT_PREFIX,
    PROVINCE_CODES,
    CreditCodeField,
    ResidentIdField,
    classify_identity_number,
    clean_number_input,
    credit_code_check_char,
    is_individual_business_credit_code,
    is_valid_credit_code,
    is_valid_resident_id,
    normalize_credit_code,
    normalize_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
    validate_credit_code,
    validate_resident_id,
)
from .masking import (
    ERASED_NAME,
    mask_credit_code,
    mask_enterprise_name,
    mask_id,
    mask_name,
    mask_phone,
    mask_reporter,
)

__all__ = [
    "KIND_LABELS",
    "PLACEHOLDERS",
    "DeidResult",
    "Replacement",
    "deidentify",
    "find_personal_data",
    "personal_data_message",
    "redact_known_values",
    "without_placeholders",
    "CREDIT_ALPHABET",
    "CREDIT_WEIGHTS",
    "ID_WEIGHTS",
    "INDIVIDUAL_BUSINESS_CREDIT_PREFIX",
    "PROVINCE_CODES",
    "CreditCodeField",
    "ResidentIdField",
    "classify_identity_number",
    "clean_number_input",
    "credit_code_check_char",
    "is_individual_business_credit_code",
    "is_valid_credit_code",
    "is_valid_resident_id",
    "normalize_credit_code",
    "normalize_resident_id",
    "resident_id_birth_date",
    "resident_id_check_char",
    "validate_credit_code",
    "validate_resident_id",
    "ERASED_NAME",
    "mask_credit_code",
    "mask_enterprise_name",
    "mask_id",
    "mask_name",
    "mask_phone",
    "mask_reporter",
]
