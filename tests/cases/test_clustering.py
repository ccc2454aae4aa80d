"""Recurring classes (一类事) on a fixed set of cases (issue 5).

tests/cases/data/clustering_cases.jsonl: 25 cases. Groups A (前租户未注销,
5 recent + 2 older than 60 days, one recent case filed under a different
service item), B (股东失联无法注销, 4), C (法人变更缺身份证原件, 3),
D (演出许可二次申报, 3), E (社保补缴, 2) and 6 unrelated cases.
"""

import datetime
import json
from pathlib import Path

import pytest

from cases.clustering import ClusterItem, class_threshold, find_case_classes

NOW = datetime.date(2026, 11, 30)
DATA = Path(__file__).parent / "data" / "clustering_cases.jsonl"


def load_items():
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [
        ClusterItem(
            case_id=r["id"],
            text=r["text"],
            created_at=datetime.datetime.combine(NOW - datetime.timedelta(days=r["days_ago"]), datetime.time(10)),
            service_item=r["service_item"] or None,
            blocking_cause=r["blocking_cause"],
            district=r["district"],
            departments=tuple(r["departments"]),
        )
        for r in rows
    ]
    return rows, items


def groups_of(classes):
    return [sorted(c.members) for c in classes]


@pytest.mark.parametrize("analyzer", ["auto", "char"])
def test_expected_classes_above_threshold(analyzer):
    _, items = load_items()
    classes = find_case_classes(items, now=NOW, min_cases=3, days=60, analyzer=analyzer)
    assert groups_of(classes) == [
        ["A1", "A2", "A3", "A4", "A5"],
        ["B1", "B2", "B3", "B4"],
        ["C1", "C2", "C3"],
        ["D1", "D2", "D3"],
    ]
    assert all(c.above_threshold for c in classes)


def test_small_classes_are_listed_on_request_and_noise_stays_alone():
    _, items = load_items()
    classes = find_case_classes(items, now=NOW, min_cases=3, days=60, include_small=True)
    assert groups_of(classes)[-1] == ["E1", "E2"]
    assert not classes[-1].above_threshold
    grouped = {m for c in classes for m in c.members}
    assert not grouped & {"N1", "N2", "N3", "N4", "N5", "N6"}


def test_window_excludes_old_cases_and_trend_compares_30_day_periods():
    _, items = load_items()
    first = find_case_classes(items, now=NOW)[0]
    assert "A_old1" not in first.members and "A_old2" not in first.members
    # A1-A4 within 30 days, A5 41 days ago.
    assert (first.trend.last, first.trend.previous, first.trend.direction) == (4, 1, "up")
    assert first.size == 5


def test_class_summary_for_the_report():
    _, items = load_items()
    a = find_case_classes(items, now=NOW)[0]
    assert a.districts == [("虹口区", 3), ("静安区", 1), ("黄浦区", 1)]
    assert a.departments[0] == ("区市场监管局", 5)
    assert ("街道办事处", 1) in a.departments
    assert a.service_items == [("食品经营许可", 4), ("营业执照", 1)]
    assert a.blocking_causes == [("legacy", 5)]
    assert "注销" in a.top_terms and "租户" in a.top_terms
    assert a.label.startswith("食品经营许可 · 历史遗留问题 · ")
    b = find_case_classes(items, now=NOW)[1]
    assert {"股东", "失联"} <= set(b.top_terms)


def test_deterministic_regardless_of_input_order():
    _, items = load_items()
    once = find_case_classes(items, now=NOW)
    again = find_case_classes(list(reversed(items)), now=NOW)
    assert once == again


def test_threshold_comes_from_settings(settings):
    _, items = load_items()
    settings.BANCHENG_CLASS_THRESHOLD = {"min_cases": 4, "days": 60}
    assert class_threshold() == {"min_cases": 4, "days": 60}
    assert groups_of(find_case_classes(items, now=NOW)) == [["A1", "A2", "A3", "A4", "A5"], ["B1", "B2", "B3", "B4"]]
    settings.BANCHENG_CLASS_THRESHOLD = {"min_cases": 3, "days": 30}
    # Only the last 30 days: A1-A4, C1-C2, D1-D2, B1-B2 remain; only A reaches 3.
    assert groups_of(find_case_classes(items, now=NOW)) == [["A1", "A2", "A3", "A4"]]


def test_too_few_cases():
    assert find_case_classes([], now=NOW) == []
    one = ClusterItem("X", "停车难", NOW)
    assert find_case_classes([one], now=NOW) == []
