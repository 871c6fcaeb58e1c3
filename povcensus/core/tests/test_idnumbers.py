from datetime import date

import pytest

from povcensus.core import idnumbers


@pytest.mark.parametrize(
    ("id_number", "ok"),
    [
        ("11010519491231002X", True),  # the standard's own example
        ("110105194912310021", False),  # wrong check character
        ("11010519491231002x", False),  # lower-case x is not valid as stored
        ("1101051949123100", False),  # too short
    ],
)
def test_checksum(id_number: str, ok: bool) -> None:
    assert idnumbers.checksum_ok(id_number) is ok


def test_make_id_always_valid_and_carries_birth_date_and_sex() -> None:
    made = idnumbers.make_id("431202", date(2001, 2, 28), 7)
    assert idnumbers.checksum_ok(made)
    assert idnumbers.birth_date(made) == date(2001, 2, 28)
    assert idnumbers.sex_code(made) == "1"
    assert idnumbers.age_on(made, date(2023, 2, 27)) == 21
    assert idnumbers.age_on(made, date(2023, 2, 28)) == 22


def test_invalid_embedded_date_is_none() -> None:
    assert idnumbers.birth_date("43120220010230007X") is None


@pytest.mark.parametrize(
    ("raw", "value", "repaired", "hopeless"),
    [
        ("４３１２０２２００１０２２８００７Ｘ", "43120220010228007X", True, False),
        ("431202 20010228 007x", "43120220010228007X", True, False),
        ("'43120220010228007X", "43120220010228007X", True, False),
        ("4.31202E+17", "4.31202E+17", False, True),
        ("43120220010228007X", "43120220010228007X", False, False),
    ],
)
def test_repair_id(raw: str, value: str, repaired: bool, hopeless: bool) -> None:
    result = idnumbers.repair_id(raw)
    assert (result.value, result.repaired, result.hopeless) == (value, repaired, hopeless)


def test_disability_numbers_are_20_or_22_characters() -> None:
    base = idnumbers.make_id("431202", date(1970, 5, 1), 12)
    assert idnumbers.is_disability_number(base + "42")
    assert idnumbers.is_disability_number(base + "4201")
    assert not idnumbers.is_disability_number(base + "4")
