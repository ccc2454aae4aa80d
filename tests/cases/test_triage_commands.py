"""manage.py triage_train / triage_eval (issue 5: "retrained by a management command")."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cases import services
from cases.triage import TriageModel
from cases.triage_db import past_triage_samples, training_samples

from .conftest import register


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def model_path(tmp_path, settings):
    settings.BANCHENG_TRIAGE_MODEL_PATH = tmp_path / "triage.joblib"
    return settings.BANCHENG_TRIAGE_MODEL_PATH


@pytest.fixture
def triaged_cases(window_user, hall, triage_user, market_dept, tax_dept):
    rows = [
        ("前租户未注销，新商户办不了营业执照", "difficult", "legacy", market_dept),
        ("股东失联，公司注销办不下去", "difficult", "legacy", market_dept),
        ("急需完税证明投标，能否加急开具", "expedite", "other", tax_dept),
        ("投标截止前急需纳税证明，希望加快", "expedite", "other", tax_dept),
    ]
    cases = []
    for matter, cls, cause, dept in rows:
        case = register(window_user, hall, matter=matter)
        services.case_triage(case=case, author=triage_user, classification=cls, blocking_cause=cause)
        services.case_dispatch(case=case, author=triage_user, lead_department=dept, lead_task="办理")
        cases.append(case)
    register(window_user, hall, matter="尚未研判的案件不参与训练")
    return cases


def test_train_falls_back_to_the_sample_set_on_an_empty_database(db, model_path):
    output = run("triage_train")
    assert "70 件" in output and "内置样例集" in output
    model = TriageModel.load()
    assert model.suggest("小区停车难，车位不够").classification == "out_of_scope"


def test_train_from_past_triage_decisions(triaged_cases, model_path, market_dept, tax_dept):
    samples = past_triage_samples()
    assert len(samples) == 4
    assert {s.lead_department_id for s in samples} == {market_dept.pk, tax_dept.pk}
    assert training_samples("auto", min_cases=30)[1] == "fixture"
    assert training_samples("auto", min_cases=4)[1] == "db"

    output = run("triage_train", "--min-cases", "4", "--analyzer", "char")
    assert "4 件" in output and "数据库" in output
    suggestion = TriageModel.load().suggest("急需纳税证明")
    assert suggestion.classification == "expedite"
    assert suggestion.department_id == tax_dept.pk


def test_reassigned_lead_department_is_the_one_learned(triaged_cases, triage_user, housing_dept):
    case = triaged_cases[0]
    lead = case.dispatches.get(role="lead")
    services.dispatch_return(dispatch=lead, author=triage_user, reason="不属于本部门职责")
    services.dispatch_reassign(dispatch=lead, author=triage_user, department=housing_dept)
    by_text = {s.text: s for s in past_triage_samples()}
    assert by_text[case.matter].lead_department_id == housing_dept.pk


def test_eval_prints_held_out_accuracy_per_target(db):
    output = run("triage_eval", "--source", "fixture", "--splits", "3")
    assert "训练 50 / 测试 20" in output
    for label in ("分类", "主办部门", "堵点原因", "多数类基线"):
        assert label in output
    data = json.loads(run("triage_eval", "--source", "fixture", "--splits", "2", "--json"))
    assert data["source"] == "fixture" and data["samples"] == 70
    assert data["mean"]["accuracy"]["classification"] >= 0.75


def test_eval_rejects_bad_fraction(db):
    with pytest.raises(CommandError, match="留出比例|--test-fraction"):
        run("triage_eval", "--test-fraction", "1.5")


def test_train_refuses_a_single_class_database(db, window_user, hall, triage_user, model_path):
    case = register(window_user, hall)
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    with pytest.raises(CommandError, match="无法训练"):
        run("triage_train", "--source", "db")
