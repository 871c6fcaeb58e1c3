"""Compiling XLSForms: every message points at its sheet, row and column; errors never compile."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from povcensus.questionnaires import xlsform
from povcensus.questionnaires.builtin.dsl import q, workbook_bytes
from povcensus.questionnaires.tests.conftest import tiny_form
from povcensus.questionnaires.xlsform import XLSFormInvalid, compile_xlsform


def _errors(data: bytes) -> list[xlsform.FormMessage]:
    with pytest.raises(XLSFormInvalid) as caught:
        compile_xlsform(data)
    assert caught.value.messages
    return caught.value.messages


def test_valid_form_compiles_and_passes_odk_validate() -> None:
    compiled = compile_xlsform(workbook_bytes(tiny_form()))
    assert compiled.form_id == "tiny"
    assert compiled.version == "1"
    assert compiled.validated is True
    assert 'odk:client-editable="true"' in compiled.xform
    assert 'lang="中文 (zh)" default="true()"' in compiled.xform


def test_unknown_reference_points_at_survey_row_and_relevant_column() -> None:
    data = workbook_bytes(tiny_form(q("text", "note_x", ("说明", "Note"), relevant="${agee} > 1")))
    [message] = _errors(data)
    assert (message.sheet, message.row, message.column, message.column_letter) == (
        "survey",
        4,
        "relevant",
        "J",
    )
    assert "agee" in message.text


def test_unknown_question_type_points_at_the_type_cell() -> None:
    data = workbook_bytes(tiny_form(q("integr", "count_x", ("数", "Count"))))
    [message] = _errors(data)
    assert (message.sheet, message.row, message.column, message.column_letter) == (
        "survey",
        4,
        "type",
        "A",
    )


def test_duplicate_choice_points_at_the_choices_sheet() -> None:
    form = tiny_form()
    form.choice_list("yes_no", [("2", "否", "No")])  # "2" again: choices row 4
    [message] = _errors(workbook_bytes(form))
    assert (message.sheet, message.row, message.column, message.column_letter) == (
        "choices",
        4,
        "name",
        "B",
    )


def test_odk_validate_error_is_mapped_back_to_the_defining_row() -> None:
    """pyxform accepts this constraint; only ODK Validate (Java) finds it broken."""
    data = workbook_bytes(
        tiny_form(
            q(
                "integer",
                "children",
                ("子女数", "Children"),
                constraint=". >= 0 and and . <= 20",
                constraint_message=("0 到 20", "0 to 20"),
            )
        )
    )
    messages = _errors(data)
    located = [m for m in messages if m.row is not None]
    assert located, messages
    assert (located[0].sheet, located[0].row, located[0].column, located[0].column_letter) == (
        "survey",
        4,
        "constraint",
        "K",
    )
    assert located[0].source == "odk_validate"


def test_a_file_that_is_not_a_workbook_is_refused() -> None:
    [message] = _errors(b"name,label\n1,2\n")
    assert message.source == "povcensus"


def test_without_java_pyxform_checks_still_apply_and_the_result_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsform.shutil, "which", lambda name: None)
    compiled = compile_xlsform(workbook_bytes(tiny_form()))
    assert compiled.validated is False
    assert "Java" in compiled.validator_note
    data = workbook_bytes(tiny_form(q("text", "bad", ("坏", "Bad"), relevant="${nothing} = 1")))
    [message] = _errors(data)
    assert message.row == 4


def test_rows_are_spreadsheet_rows_even_with_blank_rows_in_between() -> None:
    book = load_workbook(io.BytesIO(workbook_bytes(tiny_form())))
    survey = book["survey"]
    survey.insert_rows(3, amount=2)  # two blank rows before "married"
    survey.append(["text", "broken", "坏", "Broken", "", "", "", "", "", "${nope} = 1"])
    out = io.BytesIO()
    book.save(out)
    [message] = _errors(out.getvalue())
    assert (message.sheet, message.row, message.column) == ("survey", 6, "relevant")
