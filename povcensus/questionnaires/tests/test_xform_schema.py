"""The schema extracted from an XForm: fields in order, types, labels per language, choices,
repeats and binds, as exports and the rule engine read them."""

from __future__ import annotations

import pytest

from povcensus.questionnaires.builtin.dsl import (
    EN,
    ZH,
    FormSource,
    begin_repeat,
    calc,
    end_repeat,
    q,
    workbook_bytes,
)
from povcensus.questionnaires.xform_schema import SchemaError, extract_schema
from povcensus.questionnaires.xlsform import compile_xlsform


def _form() -> str:
    form = FormSource(form_id="family", title=("家庭", "Family"), version="3")
    form.add(
        q("select_one_from_file households.csv", "hh", ("户", "Household"), required=True),
        q(
            "integer",
            "n",
            ("人数", "Persons"),
            constraint=". >= 1",
            constraint_message=("至少 1", "At least 1"),
        ),
        begin_repeat("people", ("成员", "Person"), repeat_count="${n}"),
        q("text", "name", ("姓名", "Name"), hint=("如身份证", "As on the ID")),
        q("select_multiple aid", "aid", ("救助", "Aid"), relevant="${n} > 1"),
        end_repeat("people"),
        calc("total", "count(${people})"),
        q("note", "done", ("完成", "Done")),
    )
    form.choice_list("aid", [("a", "低保", "Allowance"), ("b", "医疗", "Medical")])
    return compile_xlsform(workbook_bytes(form)).xform


def test_fields_come_in_document_order_with_types_and_repeats() -> None:
    schema = extract_schema(_form())
    names = [f.name for f in schema.fields]
    assert names[:6] == ["hh", "n", "people", "name", "aid", "total"]
    assert schema.field("n").type == "int"
    assert schema.field("people").kind == "repeat"
    assert schema.field("name").repeat == "/data/people"
    assert schema.field("aid").select_multiple
    assert schema.field("total").kind == "calculate"
    assert schema.field("done").kind == "note"
    assert schema.field("instanceID").kind == "meta"
    assert [r.path for r in schema.repeats] == ["/data/people"]
    assert schema.repeats[0].count == "/data/n"
    assert (schema.form_id, schema.version, schema.title) == ("family", "3", "家庭")


def test_labels_hints_and_messages_in_each_language() -> None:
    schema = extract_schema(_form())
    assert schema.languages == (ZH, EN)
    assert schema.default_language == ZH
    assert schema.field("name").labels == {ZH: "姓名", EN: "Name"}
    assert schema.field("name").hints[EN] == "As on the ID"
    assert schema.field("n").constraint_messages == {ZH: "至少 1", EN: "At least 1"}
    assert schema.field("hh").required == "true()"
    assert schema.field("hh").required_messages[ZH]


def test_choices_inline_and_from_an_external_csv() -> None:
    csv = "name,label,head_name\nH1,H1 张三,张三\nH2,H2 李四,李四\n".encode()
    schema = extract_schema(_form(), external={"households.csv": csv})
    assert [c.value for c in schema.choices("aid")] == ["a", "b"]
    assert schema.choices("aid")[1].label(EN) == "Medical"
    assert schema.field("hh").choice_list == "households.csv"
    assert [c.label() for c in schema.choices("hh")] == ["H1 张三", "H2 李四"]
    assert schema.external_files == ("households.csv",)


def test_binds_are_kept_verbatim() -> None:
    schema = extract_schema(_form())
    assert schema.field("aid").relevant == " /data/n  > 1"
    assert schema.field("n").constraint == ". >= 1"
    assert "count" in (schema.field("total").calculate or "")
    assert schema.field("instanceID").preload == "uid"
    assert [f.name for f in schema.data_fields()][:5] == ["hh", "n", "name", "aid", "total"]


def test_not_an_xform_is_refused() -> None:
    with pytest.raises(SchemaError):
        extract_schema("<html/>")
    with pytest.raises(SchemaError):
        extract_schema("<broken")
