import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from povcensus.core.errors import ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area
from povcensus.geography.selectors import area_villages
from povcensus.geography.services import geography_import

pytestmark = pytest.mark.django_db

TREE = """区划代码,名称,现行,调整后所属村代码
440000000000,广东省,1,
440100000000,广州市,1,
440114000000,花都区,1,
440114100000,新华镇,1,
440114100220,三华村,1,
440114100201,旧三村,0,440114100220
440114100202,旧华村,0,440114100220
440114100203,独立村,1,
"""


def _tree() -> list[tuple]:
    return list(
        Area.objects.filter(code__startswith="44")
        .order_by("code")
        .values_list("code", "name", "level", "parent_id", "is_current", "successor_id")
    )


def test_import_twice_gives_the_same_tree() -> None:
    first = geography_import(actor=None, data=TREE.encode("gb18030"))
    tree_after_first = _tree()
    second = geography_import(actor=None, data=TREE.encode("utf-8"))
    assert first.created == 8
    assert (second.created, second.updated, second.unchanged) == (0, 0, 8)
    assert _tree() == tree_after_first
    assert Area.objects.get(code="440114100201").parent_id == "440114100000"


def test_census_units_are_former_villages_and_unmerged_ones() -> None:
    geography_import(actor=None, data=TREE.encode())
    units = [a.code for a in area_villages(area_code="440114100000")]
    assert units == ["440114100201", "440114100202", "440114100203"]


def test_rename_is_an_update() -> None:
    geography_import(actor=None, data=TREE.encode())
    result = geography_import(actor=None, data=TREE.replace("独立村", "独立社区").encode())
    assert (result.created, result.updated) == (0, 1)
    assert Area.objects.get(code="440114100203").name == "独立社区"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("44011410020X,坏村,1,\n", "geography.bad_code"),
        ("440114100204,,1,\n", "geography.empty_name"),
        ("440114100205,某村,0,440114100299\n", "geography.bad_successor"),
        ("450114100205,孤村,1,\n", "geography.no_parent"),
    ],
)
def test_bad_rows_are_refused_with_a_code_and_nothing_is_written(bad: str, code: str) -> None:
    before = Area.objects.count()
    with pytest.raises(ApplicationError) as caught:
        geography_import(actor=None, data=(TREE + bad).encode())
    assert caught.value.code == code
    assert Area.objects.count() == before


def test_missing_columns_are_named() -> None:
    with pytest.raises(ApplicationError) as caught:
        geography_import(actor=None, data=b"foo,bar\n1,2\n")
    assert caught.value.code == "geography.missing_column"


def test_cli_import_is_idempotent(tmp_path, capsys) -> None:
    path = tmp_path / "tree.csv"
    path.write_bytes(TREE.encode("gb18030"))
    call_command("geo", "import", str(path))
    call_command("geo", "import", str(path))
    assert "0 created, 0 updated, 8 unchanged" in capsys.readouterr().out


def test_cli_reports_bad_file_with_code_and_exit_status(tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes((TREE + "4401141002,短码,1,\n").encode())
    with pytest.raises(CommandError, match=r"\[geography.bad_code\]") as caught:
        call_command("geo", "import", str(path))
    assert caught.value.returncode == 2


def test_code_helpers() -> None:
    assert codes.level_of("440114100203") == codes.Level.VILLAGE
    assert codes.level_of("440114100000") == codes.Level.TOWNSHIP
    assert codes.code_range("440114000000") == ("440114", "440114999999999")
    assert codes.is_within("440114100203", "440114100000")
    assert not codes.is_within("440115100203", "440114000000")
