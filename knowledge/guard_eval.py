"""How well the publish guard tells public from personal (``manage.py guard_eval``).

Two measurements, printed together:

1. Recall on the generated personal-data corpus (``kernel.personal_data.corpus``): every sample must
   stop publishing, both in content drawn from a case (where nothing can be confirmed away)
   and in any other page (where it needs at least an editor's confirmation). Target 100%.
2. On a labelled set of real snippets (JSON lines ``{"text", "value", "kind", "label"}`` with
   label ``public`` — a contact point a government notice publishes — or ``personal``):
   the false-alarm rate (public contacts the guard calls personal, so they could never be
   published; target ≤ 2%), the precision of "personal", and personal recall.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .contact_points import PERSONAL, classify
from kernel.personal_data.corpus import personal_corpus


@dataclass
class GuardFigures:
    generated: int
    generated_blocked_public: int
    generated_blocked_case: int
    labelled_public: int
    false_alarms: list
    labelled_personal: int
    personal_caught: int
    predicted_personal: int
    missed_personal: list

    @property
    def recall_public_context(self) -> float:
        return self.generated_blocked_public / self.generated if self.generated else 1.0

    @property
    def recall_case_context(self) -> float:
        return self.generated_blocked_case / self.generated if self.generated else 1.0

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.labelled_public if self.labelled_public else 0.0

    @property
    def personal_precision(self) -> float:
        return self.personal_caught / self.predicted_personal if self.predicted_personal else 1.0

    @property
    def personal_recall(self) -> float:
        return self.personal_caught / self.labelled_personal if self.labelled_personal else 1.0


def _category_of(text: str, value: str) -> str | None:
    """The guard's category for ``value`` in ``text`` (None: not flagged at all)."""
    start = text.find(value)
    end = start + len(value)
    for finding in classify(text):
        if finding.start < end and finding.end > start:
            return finding.category
    return None


def evaluate(labelled_path: Path | None) -> GuardFigures:
    corpus = personal_corpus()
    blocked_public = blocked_case = 0
    for kind, _value, text in corpus:
        # Nothing is published unconfirmed: every finding stops it until someone acts.
        if any(f.blocks_without_acknowledgement for f in classify(text)):
            blocked_public += 1
        # From a case, only personal findings: nothing can be confirmed away.
        found = classify(text, case_drawn=True)
        if found and all(f.category == PERSONAL for f in found):
            blocked_case += 1
    rows = []
    if labelled_path is not None:
        rows = [json.loads(line) for line in labelled_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    public = [r for r in rows if r["label"] == "public"]
    personal = [r for r in rows if r["label"] == "personal"]
    false_alarms = [r for r in public if _category_of(r["text"], r["value"]) == PERSONAL]
    caught = [r for r in personal if _category_of(r["text"], r["value"]) == PERSONAL]
    predicted = len(false_alarms) + len(caught)
    return GuardFigures(
        generated=len(corpus),
        generated_blocked_public=blocked_public,
        generated_blocked_case=blocked_case,
        labelled_public=len(public),
        false_alarms=false_alarms,
        labelled_personal=len(personal),
        personal_caught=len(caught),
        predicted_personal=predicted,
        missed_personal=[r for r in personal if r not in caught],
    )
