"""README tables that are generated from the code stay in step with it."""

from __future__ import annotations

from pathlib import Path

from specweave_git.drift.docs import render_into

README = Path(__file__).resolve().parent.parent / "README.md"


def test_rules_table_matches_the_rule_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert render_into(text) == text, "run: python -c 'from specweave_git.drift.docs import ...'"
    assert "`route-missing` | breaking" in text


def test_quick_start_has_exactly_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- quickstart:begin -->")[1].split("<!-- quickstart:end -->")[0]
    commands = [ln for ln in block.strip().splitlines() if not ln.startswith("```")]
    assert commands == ["pip install -e '.[test]' && specweave-git demo", "pytest"]
