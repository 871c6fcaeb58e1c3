"""The built-in questionnaires: they compile, pass ODK Validate, match their sources and the
field dictionaries (docs/questionnaires/*-fields.md) that rules and exports are written against."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from openpyxl import load_workbook

from povcensus.questionnaires.builtin import builtin_forms
from povcensus.questionnaires.builtin.dsl import EN, ZH, sheets
from povcensus.questionnaires.xform_schema import FormSchema, extract_schema
from povcensus.questionnaires.xlsform import CompiledForm, compile_xlsform
from povcensus.register import codelists

DOCS = Path(__file__).resolve().parents[3] / "docs" / "questionnaires"
FORMS = {form.form_id: form for form in builtin_forms()}


@cache
def compiled(form_id: str) -> CompiledForm:
    return compile_xlsform(FORMS[form_id].path.read_bytes())


@cache
def schema(form_id: str) -> FormSchema:
    return extract_schema(compiled(form_id).xform)


@pytest.mark.parametrize("form_id", list(FORMS))
def test_builtin_form_compiles_and_passes_odk_validate(form_id: str) -> None:
    result = compiled(form_id)
    assert result.validated, "ODK Validate must run in CI (Java 17 is installed)"
    assert result.form_id == form_id
    assert 'odk:client-editable="true"' in result.xform
    assert list(schema(form_id).languages) == [ZH, EN]
    assert schema(form_id).default_language == ZH


@pytest.mark.parametrize("form_id", list(FORMS))
def test_committed_workbook_matches_its_source(form_id: str) -> None:
    """Run `povcensus forms build-builtin` after editing a source."""
    book = load_workbook(io.BytesIO(FORMS[form_id].path.read_bytes()), read_only=True)
    committed = {
        sheet.title: [
            ["" if value is None else str(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }
    expected = sheets(FORMS[form_id].build())
    for name, rows in expected.items():
        width = len(rows[0])
        got = [(row + [""] * width)[:width] for row in committed[name]]
        assert got == rows, f"{form_id}.xlsx sheet {name} is stale"


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_label_hint_and_message_is_bilingual(form_id: str) -> None:
    for field in schema(form_id).fields:
        for texts in (
            field.labels,
            field.hints,
            field.constraint_messages,
            field.required_messages,
        ):
            if texts:
                assert texts.get(ZH), (form_id, field.name, texts)
                assert texts.get(EN), (form_id, field.name, texts)
        if field.required and field.kind not in ("calculate",):
            assert field.required_messages.get(ZH), (form_id, field.name)
        if field.constraint:
            assert field.constraint_messages.get(EN), (form_id, field.name)


def _dictionary_names(doc: str) -> set[str]:
    """Field names in the first column of the dictionary's tables (and V-x rows)."""
    names: set[str] = set()
    for line in (DOCS / doc).read_text(encoding="utf-8").splitlines():
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if doc.startswith("village") and len(cells) >= 2:
            names.update(re.findall(r"`([a-z][a-z0-9_]*)`", cells[1]))
        else:
            names.update(re.findall(r"`([a-z][a-z0-9_]*)`", cells[0]))
    return names


@pytest.mark.parametrize(
    ("form_id", "doc"), [("household", "household-fields.md"), ("village", "village-fields.md")]
)
def test_every_dictionary_field_is_in_the_form(form_id: str, doc: str) -> None:
    lists = {"yes_no", "outcome", "meets", "recognition", "satisfaction", "road_type", "fuel"}
    wanted = _dictionary_names(doc) - lists - set(_choice_list_names(doc))
    present = {f.name for f in schema(form_id).fields}
    assert wanted, doc
    assert sorted(wanted - present) == []


def _choice_list_names(doc: str) -> set[str]:
    text = (DOCS / doc).read_text(encoding="utf-8")
    section = text.split("## New choice lists", 1)[1] if "## New choice lists" in text else ""
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))


def test_household_choice_codes_follow_the_register_code_lists() -> None:
    household = schema("household")
    for list_name, code_list in codelists.ALL_LISTS.items():
        if list_name not in household.choice_lists:
            continue
        codes = [c.value for c in household.choice_lists[list_name]]
        assert codes == list(code_list), list_name
        labels = {c.value: c.labels[ZH] for c in household.choice_lists[list_name]}
        assert labels == {code: zh for code, (zh, _en) in code_list.items()}, list_name


def test_household_new_choice_lists_carry_the_dictionary_codes() -> None:
    text = (DOCS / "household-fields.md").read_text(encoding="utf-8")
    section = text.split("## New choice lists", 1)[1].split("## ", 1)[0]
    household = schema("household")
    for match in re.finditer(r"^\| `([a-z_]+)` \| (.+) \|$", section, re.MULTILINE):
        list_name, codes_text = match.groups()
        documented = [item.split(" ")[0] for item in codes_text.split(", ")]
        present = [c.value for c in household.choice_lists[list_name]]
        assert present == documented, list_name


def test_household_structure_for_rules_and_exports() -> None:
    household = schema("household")
    members = household.field("m_name")
    assert members.repeat == "/data/b/members"
    assert household.field("a_other_causes").select_multiple
    assert household.field("start").kind == "preload"
    assert household.field("reg_head_name").kind == "calculate"
    assert "6" in (household.field("m_in_school").relevant or "")
    assert household.field("h_per_capita").calculate is not None
    assert household.field("z_signature").appearance == "signature"
    assert set(compiled("household").media_files) == {
        "households.csv",
        "members.csv",
        "campaign.csv",
        "returns.csv",
    }
    assert [r.name for r in household.repeats] == ["members"]
    assert household.repeats[0].count is not None
