"""Resident-ID / credit-code validation and masking (issue 4, "Identity numbers are validated")."""

import random

import pytest
from django import forms
from django.core.exceptions import ValidationError

from kernel.personal_data import (
    CREDIT_ALPHABET,
    CreditCodeField,
    ResidentIdField,
    classify_identity_number,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_resident_id,
    mask_credit_code,
    mask_id,
    mask_name,
    mask_phone,
    normalize_credit_code,
    normalize_resident_id,
    resident_id_birth_date,
    resident_id_check_char,
)

FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def make_id(rng: random.Random, region: str = "310101") -> str:
    born = f"{rng.randint(1930, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = region + born + f"{rng.randint(0, 999):03d}"
    return body + resident_id_check_char(body)


def make_credit_code(rng: random.Random, prefix: str = "91") -> str:
    body = prefix + "310000" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def error_of(func, value) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        func(value)
    return info.value


# --- Resident ID ---------------------------------------------------------------


def test_published_standard_example_is_valid():
    # The worked example printed in GB 11643-1999.
    assert normalize_resident_id("11010519491231002X") == "11010519491231002X"
    assert normalize_resident_id("11010519491231002x") == "11010519491231002X"


def test_generated_ids_round_trip():
    rng = random.Random(7)
    for _ in range(300):
        rid = make_id(rng, rng.choice(["310101", "310118", "310229", "110105", "440305"]))
        assert normalize_resident_id(rid) == rid
        assert is_valid_resident_id(rid)


@pytest.mark.parametrize(
    "typed",
    [
        "310101 19800307 1236",
        "310101-19800307-1236",
        "３１０１０１１９８００３０７１２３６",
        "  310101198003071236  ",
        "3101\u30000119\u30008003\u30000712\u300036",
        "310101－19800307－1236",
    ],
)
def test_tolerates_spaces_dashes_and_full_width_digits(typed):
    assert normalize_resident_id(typed) == "310101198003071236"


def test_fifteen_digit_old_id_is_converted_to_eighteen():
    # The Qingpu case: the other shareholder's old 15-digit number.
    assert normalize_resident_id("310101800307123") == "310101198003071236"
    assert normalize_resident_id("３１０１０１ ８００３０７ １２３") == "310101198003071236"
    rng = random.Random(3)
    for _ in range(100):
        rid = make_id(rng)
        if not rid[6:8] == "19":
            continue
        old = rid[:6] + rid[8:17]
        assert normalize_resident_id(old) == rid
    assert resident_id_birth_date("310101800307123").isoformat() == "1980-03-07"


def test_wrong_check_digit_says_which_one_is_expected():
    err = error_of(normalize_resident_id, "110105194912310021")
    assert err.code == "id_checksum"
    assert "校验位错误，应为 X" in err.messages[0]


def test_every_single_digit_typo_is_caught():
    rid = "310101198003071236"
    for pos in range(17):
        for digit in "0123456789":
            if digit == rid[pos]:
                continue
            typo = rid[:pos] + digit + rid[pos + 1 :]
            assert not is_valid_resident_id(typo), typo


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("3101011980030712", "id_length", "位数不对"),
        ("31010119800307123612", "id_length", "位数不对"),
        ("31010119801307123X", "id_birth_date", "出生日期无效"),
        ("310101198002300000", "id_birth_date", "出生日期无效"),
        ("310101800230123", "id_birth_date", "出生日期无效"),
        ("31010119800307123A", "id_invalid_chars", "非法字符"),
        ("3101011980030X1236", "id_invalid_chars", "非法字符"),
        ("31010180030712X", "id_invalid_chars", "非法字符"),
        ("990101198003071236", "id_region", "地区码无效"),
        ("", "id_empty", "不能为空"),
    ],
)
def test_invalid_ids_say_what_is_wrong(value, code, fragment):
    err = error_of(normalize_resident_id, value)
    assert err.code == code
    assert fragment in err.messages[0]


def test_future_birth_date_is_rejected():
    body = "310101" + "21000101" + "123"
    err = error_of(normalize_resident_id, body + resident_id_check_char(body))
    assert err.code == "id_birth_date"


# --- Unified social credit code -------------------------------------------------


def test_published_credit_code_example_is_valid():
    # The sample code printed with GB 32100-2015, verified with our own algorithm.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert normalize_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_generated_credit_codes_round_trip_with_tolerance():
    rng = random.Random(11)
    for prefix in ["91", "92", "11", "12", "52", "93"]:
        for _ in range(50):
            code = make_credit_code(rng, prefix)
            assert normalize_credit_code(code) == code
            spaced = " ".join([code[:2], code[2:8], code[8:17], code[17]])
            assert normalize_credit_code(spaced) == code
            assert normalize_credit_code(code.lower().translate(FULLWIDTH)) == code
            assert normalize_credit_code("-".join([code[:9], code[9:]])) == code


def test_credit_code_wrong_check_char_names_the_right_one():
    good = "91350100M000100Y43"
    err = error_of(normalize_credit_code, good[:17] + "4")
    assert err.code == "credit_checksum"
    assert "校验位错误，应为 3" in err.messages[0]


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("91350100M000100Y4", "credit_length", "位数不对"),
        ("91350100M000100Y433", "credit_length", "位数不对"),
        ("91350100MO00100Y43", "credit_invalid_chars", "非法字符"),
        ("91350100M000I00Y43", "credit_invalid_chars", "I"),
        ("913501Z0M000100Y43", "credit_invalid_chars", "Z"),
        ("91AB0100M000100Y43", "credit_region", "行政区划"),
        ("", "credit_empty", "不能为空"),
    ],
)
def test_invalid_credit_codes_say_what_is_wrong(value, code, fragment):
    err = error_of(normalize_credit_code, value)
    assert err.code == code
    assert fragment in err.messages[0]


def test_credit_code_single_character_typos_are_caught():
    code = "91350100M000100Y43"
    for pos in range(17):
        for ch in CREDIT_ALPHABET:
            if ch == code[pos]:
                continue
            assert not is_valid_credit_code(code[:pos] + ch + code[pos + 1 :])


def test_classify_identity_number():
    assert classify_identity_number("310101800307123") == ("resident_id", "310101198003071236")
    assert classify_identity_number("91350100m000100y43") == ("credit_code", "91350100M000100Y43")
    with pytest.raises(ValidationError) as info:
        classify_identity_number("91350100M000100Y44")
    assert info.value.code == "credit_checksum"
    with pytest.raises(ValidationError) as info:
        classify_identity_number("110105194912310021")
    assert info.value.code == "id_checksum"


# --- Masking -------------------------------------------------------------------


def test_masks_as_shown_in_listings():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("") == ""
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone("１３８１２３４５６７８") == "138****5678"
    assert mask_phone("021-61234567") == "021-****4567"
    assert mask_phone("(0512)6123456") == "0512-****3456"
    assert mask_phone("61234567") == "****4567"
    assert mask_id("310101198003071236") == "310101********1236"
    assert mask_id("310101800307123") == "310101********1236"
    assert mask_credit_code("91350100M000100Y43") == "91350100********43"


def test_masks_never_contain_the_hidden_middle():
    rng = random.Random(5)
    for _ in range(50):
        rid = make_id(rng)
        masked = mask_id(rid)
        assert rid[6:14] not in masked
        assert len(masked) == 18


# --- Form fields -----------------------------------------------------------------


class ReporterForm(forms.Form):
    id_number = ResidentIdField(required=False)
    credit_code = CreditCodeField(required=False)


def test_form_fields_return_normalized_values():
    form = ReporterForm(data={"id_number": "310101 800307 123", "credit_code": "91350100 m000100y43"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"id_number": "310101198003071236", "credit_code": "91350100M000100Y43"}


def test_form_fields_report_errors_in_chinese_and_allow_blank():
    form = ReporterForm(data={"id_number": "110105194912310021", "credit_code": "91350100M000100Y4"})
    assert not form.is_valid()
    assert "校验位错误，应为 X" in form.errors["id_number"][0]
    assert "位数不对" in form.errors["credit_code"][0]
    blank = ReporterForm(data={"id_number": "", "credit_code": ""})
    assert blank.is_valid()
    assert blank.cleaned_data == {"id_number": "", "credit_code": ""}
