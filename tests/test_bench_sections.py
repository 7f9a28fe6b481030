"""Each benchmark generator rewrites only its own part of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

from bench.markers import kept_sections, replace_section


def section(name: str, body: str) -> tuple[str, str, str]:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    return start, end, f"{start}\n{body}\n{end}"


def test_a_section_is_replaced_in_place_and_others_survive_a_full_rewrite(
    tmp_path: Path,
) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Matcher\n\nold matcher table\n", encoding="utf-8")
    replace_section(out, *section("replicas", "replicas v1"))
    replace_section(out, *section("resilience", "resilience v1"))
    replace_section(out, *section("replicas", "replicas v2"))  # in place, not appended
    text = out.read_text(encoding="utf-8")
    assert text.count("<!-- replicas:start -->") == 1 and "replicas v1" not in text
    assert text.index("replicas v2") < text.index("resilience v1")
    # The matcher benchmark writes the whole file: the other sections are kept.
    rewritten = kept_sections(text, "# Matcher\n\nnew matcher table\n")
    assert "new matcher table" in rewritten and "old matcher table" not in rewritten
    assert "replicas v2" in rewritten and "resilience v1" in rewritten
