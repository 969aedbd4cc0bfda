"""wit/README.md's coverage tables are the code's: regenerate them and compare."""

from __future__ import annotations

from gui.devkit.wasm_tools import HOST_WIT_DIR
from gui.hostapi.coverage import BEGIN, readme_with_tables


def test_the_coverage_tables_match_the_code():
    text = (HOST_WIT_DIR / "README.md").read_text(encoding="utf-8")
    for package in ("pumpkin:plugin", "pumpkin-patch:host"):
        assert BEGIN.format(package=package) in text
    assert readme_with_tables(text) == text, (
        "wit/README.md is out of date: run python -m gui.hostapi.coverage --write")


def test_every_function_of_our_package_is_implemented():
    from gui.hostapi.coverage import coverage_table

    table = coverage_table(HOST_WIT_DIR, package="pumpkin-patch:host")
    assert {row.interface for row in table} == {"storage", "notify", "status"}
    for row in table:
        assert row.implemented == len(row.functions), row
