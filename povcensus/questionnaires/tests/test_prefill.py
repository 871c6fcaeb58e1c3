"""Prefill files: XML-safe headers, only the given households, stable bytes and md5."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date
from decimal import Decimal

from povcensus.questionnaires.prefill import (
    PrefillHousehold,
    PrefillMember,
    build_prefill,
)

XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _households() -> list[PrefillHousehold]:
    return [
        PrefillHousehold(
            number="H002",
            head_name="李四",
            village_code="431202110202",
            village_name="二村",
            size=2,
            attribute="1",
            other_causes=("05", "07"),
            members=(
                PrefillMember(seq=2, name="王五", relation="02", id_number="X2"),
                PrefillMember(seq=1, name="李四", relation="01", id_number="X1", work_months=6),
            ),
        ),
        PrefillHousehold(
            number="H001",
            head_name="张三, 老",
            village_code="431202110201",
            village_name="一村",
            size=1,
            members=(PrefillMember(seq=1, name="张三", relation="01"),),
        ),
    ]


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def _build(households: list[PrefillHousehold]) -> dict:
    return build_prefill(
        households,
        campaign_name="测试",
        reference_date=date(2023, 9, 8),
        income_line=Decimal("4000.00"),
    )


def test_headers_are_xml_names_and_every_file_is_built() -> None:
    files = _build(_households())
    assert set(files) == {
        "households.csv",
        "members.csv",
        "villages.csv",
        "campaign.csv",
        "returns.csv",
    }
    for media in files.values():
        header = media.content.decode("utf-8").splitlines()[0].split(",")
        assert all(XML_NAME.match(h) for h in header), header
        assert not media.content.startswith(b"\xef\xbb\xbf")


def test_rows_hold_the_given_households_in_a_stable_order() -> None:
    files = _build(_households())
    households = _rows(files["households.csv"].content)
    assert [h["name"] for h in households] == ["H001", "H002"]
    assert households[0]["label"] == "H001 张三, 老"  # quoted, not split
    assert households[1]["other_causes"] == "05 07"
    assert households[1]["member_count"] == "2"
    members = _rows(files["members.csv"].content)
    assert [(m["key"], m["name"]) for m in members] == [
        ("H001-1", "张三"),
        ("H002-1", "李四"),
        ("H002-2", "王五"),
    ]
    assert members[1]["work_months"] == "6"
    assert _rows(files["villages.csv"].content) == [
        {"name": "431202110201", "label": "一村", "households": "1"},
        {"name": "431202110202", "label": "二村", "households": "1"},
    ]
    assert _rows(files["campaign.csv"].content)[0]["reference_date"] == "2023-09-08"


def test_same_input_same_md5_and_a_change_changes_it() -> None:
    first, again = _build(_households()), _build(list(reversed(_households())))
    assert first["members.csv"].md5 == again["members.csv"].md5
    assert (
        first["members.csv"].md5
        == hashlib.md5(first["members.csv"].content, usedforsecurity=False).hexdigest()
    )
    fewer = _build(_households()[:1])
    assert fewer["households.csv"].md5 != first["households.csv"].md5
    assert "H001" not in fewer["households.csv"].content.decode()


def test_only_wanted_files_are_built() -> None:
    files = build_prefill(
        _households(),
        campaign_name="x",
        reference_date=date(2023, 9, 8),
        income_line=Decimal(4000),
        wanted=["villages.csv", "unknown.csv"],
    )
    assert list(files) == ["villages.csv"]
