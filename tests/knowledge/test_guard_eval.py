"""The guard's figures (issue 13): generated personal data always caught, real public contacts rarely refused."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from knowledge.guard_eval import evaluate

LABELLED = Path(__file__).parent / "data" / "public_contact_snippets.jsonl"


def test_generated_personal_data_is_always_caught_and_public_contacts_pass():
    figures = evaluate(LABELLED)
    assert figures.generated >= 1900
    assert figures.recall_public_context == 1.0
    assert figures.recall_case_context == 1.0
    assert figures.labelled_public >= 150 and figures.labelled_personal >= 25
    assert figures.false_alarm_rate <= 0.02, figures.false_alarms
    assert figures.personal_recall == 1.0, figures.missed_personal


def test_command_prints_both_figures():
    out = StringIO()
    call_command("guard_eval", "--labelled", str(LABELLED), stdout=out)
    text = out.getvalue()
    assert "1928/1928（100.0%）" in text and "误报率" in text and "召回率 100.0%" in text
