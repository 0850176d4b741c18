"""Eligibility rules: the plan's are what the extractor finds in the corpus now, and every quote
of every rule is verbatim in its document."""

from pathlib import Path

import pytest

from assistant.rules import RULES_DIR, check_plan_rules, load_rules
from indexing.loading import load_corpus, load_document

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT.parent / "shared" / "corpus-extra"
PLAN = ROOT / "corpus" / "营口市精细化工产业发展规划.txt"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    if not NATIONAL.exists():
        pytest.skip(f"national texts not found at {NATIONAL}")
    docs, _ = load_corpus([ROOT / "corpus", NATIONAL])
    return {d.meta.title: d.text for d in docs}


def test_plan_rules_match_a_fresh_extraction():
    plan = load_document(PLAN, {"title": "营口市精细化工产业发展规划"})
    assert check_plan_rules(plan) == "", "the plan changed: review `python -m assistant rules`, then --update"


def test_every_rule_quote_is_verbatim_in_its_document(texts):
    book = load_rules(RULES_DIR)
    assert len(book.items) >= 25 and len(book.parks) == 5
    assert book.prohibitions and book.procedures and book.foreign and book.general
    for rule in book.all:
        assert rule.doc in texts, (rule.id, rule.doc)
        assert rule.quote in texts[rule.doc], (rule.id, rule.quote[:40])
    ids = [r.id for r in book.all]
    assert len(ids) == len(set(ids))
    for rule in book.prohibitions:
        assert rule.verdict in ("prohibited", "restricted") and rule.triggers


def test_a_changed_plan_shows_a_diff(tmp_path):
    plan = load_document(PLAN, {"title": "营口市精细化工产业发展规划"})
    changed = plan.__class__(plan.meta, plan.text.replace("——抗氧剂。", "——抗氧化剂。"), plan.path)
    diff = check_plan_rules(changed)
    assert "-name = \"抗氧剂\"" in diff and "+name = \"抗氧化剂\"" in diff
