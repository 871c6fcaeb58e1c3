"""Synthetic household questionnaire answers, generated column by column with Polars (pure).

For rule tests and the rules benchmark: a households frame and a members frame in the
shape the vectorized engine reads (``household_id``, ``member_index``, every field as
XForm text, null where a field was not relevant).  The same seed gives the same data
(values come from Polars' seeded hash of the row number, never from Python loops), so a
million households take seconds.

The answers are plausible but deliberately rich in edge cases, so that every rule both
passes and fails somewhere: blank and missing answers, non-numeric text in number
fields, ages on the 5/6/15/16 boundaries, IDs with bad check characters, ``X`` check
characters, impossible birth dates, 15-, 20-, 21- and 22-character numbers, IDs shared
between households, households with no member or two heads, totals that do not add up.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date

import polars as pl

from povcensus.rules.values import ID_CHECK_CHARS, ID_WEIGHTS

REFERENCE_DATE = date(2020, 12, 31)
INCOME_LINE = "4000"
KEY = "household_id"
MEMBER_INDEX = "member_index"

Choice = tuple[str | None, float]


def _salt(name: str, seed: int) -> int:
    return zlib.crc32(f"{seed}:{name}".encode())


def uniform(name: str, seed: int, row: str = "__row") -> pl.Expr:
    """A number in [0, 1) drawn for each row, fixed by (name, seed, row number)."""
    return (pl.col(row).hash(seed=_salt(name, seed)) % 1_000_003).cast(pl.Float64) / 1_000_003


def pick(name: str, seed: int, choices: Sequence[Choice], row: str = "__row") -> pl.Expr:
    """One of ``choices`` ((value, weight); value None = missing) per row."""
    total = sum(weight for _, weight in choices)
    bounds: list[float] = []
    cumulative = 0.0
    for _, weight in choices[:-1]:
        cumulative += weight / total
        bounds.append(cumulative)
    index = pl.lit(pl.Series(bounds, dtype=pl.Float64)).search_sorted(
        uniform(name, seed, row), side="right"
    )
    options = pl.Series([value for value, _ in choices], dtype=pl.String)
    return pl.lit(options).gather(index).alias(name)


def integer(name: str, seed: int, low: int, high: int, row: str = "__row") -> pl.Expr:
    """A whole number in [low, high] per row."""
    span = high - low + 1
    return (pl.col(row).hash(seed=_salt(name, seed)) % span).cast(pl.Int64) + low


def money_text(cents: pl.Expr) -> pl.Expr:
    """Cents (an integer expression) as ``"123.45"``."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    positive = cents.abs()
    return pl.concat_str(
        [
            sign,
            (positive // 100).cast(pl.String),
            pl.lit("."),
            (positive % 100).cast(pl.String).str.zfill(2),
        ]
    )


def spoil(
    name: str, seed: int, text: pl.Expr, *, blank: float, missing: float, junk: float = 0.0
) -> pl.Expr:
    """Make some values blank, missing or non-numeric junk."""
    u = uniform(name + ":spoil", seed)
    return (
        pl.when(u < blank)
        .then(pl.lit(""))
        .when(u < blank + missing)
        .then(pl.lit(None, dtype=pl.String))
        .when(u < blank + missing + junk)
        .then(pl.lit("abc"))
        .otherwise(text)
        .alias(name)
    )


def check_char(first17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        [first17.str.slice(i, 1).cast(pl.Int32) * w for i, w in enumerate(ID_WEIGHTS)]
    )
    return (total % 11).replace_strict(dict(enumerate(ID_CHECK_CHARS)), return_dtype=pl.String)


MONEY = (
    "h_wage_work",
    "h_wage_pwj",
    "h_wage_other",
    "h_prod_crops",
    "h_prod_livestock",
    "h_prod_forestry",
    "h_prod_other",
    "h_prop_dividends",
    "h_prop_land_rent",
    "h_prop_other",
    "h_trans_family_planning",
    "h_trans_dibao",
    "h_trans_tekun",
    "h_trans_pension",
    "h_trans_eco",
    "h_trans_other",
    "h_expenditure",
)
YES_NO: list[Choice] = [("1", 0.96), ("2", 0.025), ("", 0.01), (None, 0.005)]
MEETS: list[Choice] = [("1", 0.975), ("2", 0.015), ("", 0.007), (None, 0.003)]


def _land(name: str, seed: int, usual: int, low: int, high: int) -> pl.Expr:
    """Mostly in [0, usual] (hundredths); one in fifty anywhere in [low, high]."""
    return (
        pl.when(uniform(name + ":wide", seed) < 0.02)
        .then(integer(name + ":w", seed, low, high))
        .otherwise(integer(name, seed, 0, usual))
    )


def households_frame(count: int, seed: int = 1) -> pl.DataFrame:
    """``count`` household records (without members); ``member_count`` says how many follow."""
    frame = pl.DataFrame({"__row": pl.int_range(count, dtype=pl.Int64, eager=True)})
    s = seed
    interviewed = pick(
        "z_outcome", s, [("1", 0.95), ("2", 0.02), ("3", 0.01), ("4", 0.01), ("5", 0.01)]
    )
    frame = frame.with_columns(
        pl.concat_str([pl.lit("H"), pl.col("__row").cast(pl.String).str.zfill(9)]).alias(KEY),
        interviewed,
        pick(
            "member_count",
            s,
            [
                ("0", 0.01),
                ("1", 0.08),
                ("2", 0.17),
                ("3", 0.2),
                ("4", 0.22),
                ("5", 0.17),
                ("6", 0.1),
                ("8", 0.05),
            ],
        )
        .cast(pl.Int32)
        .alias("member_count"),
    )
    done = pl.col("z_outcome") == "1"

    def asked(expr: pl.Expr) -> pl.Expr:
        """Sections after A/B are relevant only when the interview was completed."""
        name = expr.meta.output_name()
        return pl.when(done).then(expr).otherwise(pl.lit(None, dtype=pl.String)).alias(name)

    cents = {
        name: integer(name, s, 0, high * 100)
        for name, high in [
            ("h_wage_work", 40000),
            ("h_wage_pwj", 8000),
            ("h_wage_other", 3000),
            ("h_prod_crops", 12000),
            ("h_prod_livestock", 9000),
            ("h_prod_forestry", 3000),
            ("h_prod_other", 2000),
            ("h_prop_dividends", 1500),
            ("h_prop_land_rent", 2000),
            ("h_prop_other", 500),
            ("h_trans_family_planning", 1000),
            ("h_trans_dibao", 5000),
            ("h_trans_tekun", 3000),
            ("h_trans_pension", 4000),
            ("h_trans_eco", 1500),
            ("h_trans_other", 2000),
            ("h_expenditure", 9000),
        ]
    }
    zero_some = {
        name: pl.when(uniform(name + ":zero", s) < (0.03 if name == "h_expenditure" else 0.35))
        .then(0)
        .otherwise(expr)
        for name, expr in cents.items()
    }
    frame = frame.with_columns([expr.alias("__c_" + name) for name, expr in zero_some.items()])

    frame = frame.with_columns(
        asked(pick("c_enough_food", s, YES_NO)),
        asked(pick("c_meat_eggs_soy", s, YES_NO)),
        asked(pick("c_seasonal_clothing", s, YES_NO)),
        asked(pick("a_attribute", s, [("1", 0.6), ("2", 0.3), ("3", 0.08), ("", 0.02)])),
        asked(
            pick(
                "a_exit_status",
                s,
                [("05", 0.3), ("03", 0.55), ("02", 0.05), ("04", 0.08), ("", 0.02)],
            )
        ),
        asked(
            pick(
                "a_main_cause",
                s,
                [
                    ("01", 0.25),
                    ("02", 0.12),
                    ("03", 0.1),
                    ("06", 0.05),
                    ("07", 0.2),
                    ("08", 0.15),
                    ("09", 0.1),
                    ("", 0.03),
                ],
            )
        ),
        asked(
            pick(
                "a_other_causes",
                s,
                [("", 0.5), ("07", 0.2), ("01 09", 0.15), ("08", 0.1), (None, 0.05)],
            )
        ),
        asked(pick("f_owns_house", s, [("1", 0.92), ("2", 0.06), ("", 0.02)])),
        asked(
            spoil(
                "f_area",
                s,
                money_text(integer("f_area", s, 0, 20000)),
                blank=0.02,
                missing=0.01,
                junk=0.005,
            )
        ),
        asked(
            pick(
                "f_grade",
                s,
                [("A", 0.5), ("B", 0.3), ("C", 0.06), ("D", 0.03), ("0", 0.08), ("", 0.03)],
            )
        ),
        asked(
            pick(
                "f_safety_route", s, [("1", 0.7), ("2", 0.12), ("3", 0.1), ("4", 0.05), ("", 0.03)]
            )
        ),
        asked(pick("f_moved_in", s, [("1", 0.85), ("2", 0.1), (None, 0.05)])),
        asked(
            spoil(
                "f_relocation_debt",
                s,
                money_text(integer("f_relocation_debt", s, 0, 1500000)),
                blank=0.05,
                missing=0.3,
            )
        ),
        asked(pick("g_source", s, [("1", 0.7), ("2", 0.1), ("3", 0.1), ("5", 0.08), ("", 0.02)])),
        asked(pick("g_quantity", s, MEETS)),
        asked(pick("g_quality", s, MEETS)),
        asked(pick("g_convenience", s, MEETS)),
        asked(pick("g_guarantee", s, MEETS)),
        asked(
            pick(
                "__measures",
                s,
                [
                    ("industry employment", 0.3),
                    ("industry", 0.2),
                    ("pwj", 0.1),
                    ("guarantee", 0.05),
                    ("", 0.3),
                    (None, 0.05),
                ],
            )
        ),
        asked(pick("i_helper_name", s, [("李帮扶", 0.85), ("", 0.1), ("张三", 0.05)])),
        asked(
            spoil(
                "k_cultivated_land",
                s,
                money_text(_land("k_cult", s, 3000, -100, 15000)),
                blank=0.02,
                missing=0.01,
                junk=0.005,
            )
        ),
        asked(
            spoil(
                "k_forest_land",
                s,
                money_text(_land("k_forest", s, 5000, 0, 25000)),
                blank=0.02,
                missing=0.01,
            )
        ),
        asked(
            spoil(
                "k_orchard_land",
                s,
                money_text(_land("k_orchard", s, 1000, 0, 22000)),
                blank=0.02,
                missing=0.01,
            )
        ),
        asked(
            spoil(
                "k_pasture_land",
                s,
                money_text(_land("k_pasture", s, 500, 0, 11000)),
                blank=0.02,
                missing=0.01,
            )
        ),
        asked(
            spoil(
                "k_water_surface",
                s,
                money_text(_land("k_water", s, 300, 0, 10500)),
                blank=0.02,
                missing=0.01,
            )
        ),
        asked(pick("k_electricity", s, [("1", 0.97), ("2", 0.02), ("", 0.01)])),
        asked(
            spoil(
                "k_distance_main_road",
                s,
                money_text(_land("k_dist", s, 300, 0, 800)),
                blank=0.02,
                missing=0.01,
            )
        ),
        pl.when(~done).then(pl.lit("说明")).alias("z_noninterview_reason_note"),
        pl.lit("2020-12-31").alias("reference_date"),
        pl.lit(INCOME_LINE).alias("income_line"),
    )
    # Measures mostly match the cause and the housing grade (IN-09); some do not.
    matches = uniform("measures_match", s) < 0.95
    extra = pl.concat_str(
        [
            pl.when(matches & (pl.col("a_main_cause") == "01")).then(pl.lit(" health")),
            pl.when(matches & (pl.col("a_main_cause") == "03")).then(pl.lit(" education")),
            pl.when(matches & (pl.col("a_main_cause") == "06")).then(pl.lit(" water")),
            pl.when(matches & pl.col("f_grade").is_in(["C", "D"])).then(pl.lit(" housing")),
        ],
        ignore_nulls=True,
    )
    frame = frame.with_columns(
        pl.when(pl.col("__measures").is_null())
        .then(None)
        .otherwise(pl.concat_str([pl.col("__measures"), extra]).str.strip_chars(" "))
        .alias("i_measures")
    )
    return frame


def members_frame(households: pl.DataFrame, seed: int = 1) -> pl.DataFrame:
    """The member rows of ``households`` (interviewed households only, as the form's repeat)."""
    s = seed
    rows = (
        households.filter(pl.col("z_outcome") == "1")
        .select(
            KEY, "member_count", "a_attribute", "a_main_cause", pl.col("__row").alias("__hh_row")
        )
        .with_columns(pl.int_ranges(0, pl.col("member_count"), dtype=pl.Int32).alias("__i"))
        .explode("__i")
        .drop_nulls("__i")
        .with_columns((pl.col("__i") + 1).alias(MEMBER_INDEX))
    )
    rows = rows.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("__row"))
    first = pl.col("__i") == 0
    # Relation: the first member is (nearly always) the head.
    rows = rows.with_columns(
        pl.when(first)
        .then(pick("rel_head", s, [("01", 0.985), ("02", 0.01), ("03", 0.005)]))
        .when(pl.col("__i") == 1)
        .then(
            pick(
                "rel_second",
                s,
                [
                    ("02", 0.6),
                    ("03", 0.15),
                    ("04", 0.1),
                    ("11", 0.05),
                    ("01", 0.02),
                    ("12", 0.05),
                    ("", 0.03),
                ],
            )
        )
        .otherwise(
            pick(
                "rel_other",
                s,
                [
                    ("03", 0.3),
                    ("04", 0.25),
                    ("07", 0.12),
                    ("08", 0.1),
                    ("05", 0.06),
                    ("12", 0.05),
                    ("11", 0.04),
                    ("99", 0.05),
                    ("", 0.03),
                ],
            )
        )
        .alias("m_relation")
    )
    # Age: heads adults, children young; boundary ages on purpose.
    boundary = pick(
        "age_boundary",
        s,
        [
            ("5", 0.02),
            ("6", 0.03),
            ("15", 0.03),
            ("16", 0.03),
            ("59", 0.01),
            ("60", 0.01),
            ("none", 0.87),
        ],
    )
    young = pl.col("m_relation").is_in(["03", "04", "07", "08"])
    base_age = (
        pl.when(pl.col("m_relation").is_in(["07", "08"]))
        .then(integer("age_g", s, 0, 14))
        .when(young)
        .then(integer("age_c", s, 0, 28))
        .when(pl.col("m_relation").is_in(["11", "12"]))
        .then(integer("age_p", s, 62, 95))
        .when(pl.col("m_relation") == "01")
        .then(integer("age_h", s, 30, 60))
        .otherwise(integer("age_a", s, 20, 85))
    )
    rows = rows.with_columns(
        pl.when(boundary == "none")
        .then(base_age)
        .otherwise(boundary.cast(pl.Int64, strict=False))
        .alias("__age")
    )
    # Birth date: on the reference-date birthday edge for some (age exact vs one less).
    edge = pick(
        "birth_edge",
        s,
        [
            ("exact", 0.05),
            ("after", 0.05),
            ("leap", 0.01),
            ("bad", 0.01),
            ("future", 0.005),
            ("none", 0.875),
        ],
    )
    month = integer("birth_m", s, 1, 12)
    day = integer("birth_d", s, 1, 28)
    born = (
        pl.when(edge == "exact")
        .then(pl.date(2020 - pl.col("__age"), 12, 31))
        .when(edge == "after")
        .then(pl.date(2021 - pl.col("__age"), 1, 1))
        .when(edge == "leap")
        .then(pl.date(2000, 2, 29))
        .otherwise(pl.date(2020 - pl.col("__age"), month, day))
    )
    birth_text = (
        pl.when(edge == "bad")
        .then(pl.concat_str([(2020 - pl.col("__age")).cast(pl.String), pl.lit("0230")]))
        .when(edge == "future")
        .then(pl.lit("20210315"))
        .otherwise(born.dt.strftime("%Y%m%d"))
    )
    male = pl.col("m_relation").is_in(["01", "03", "06", "07", "09", "11", "13", "15", "17", "19"])
    female = pl.col("m_relation").is_in(
        ["02", "04", "05", "08", "10", "12", "14", "16", "18", "20"]
    )
    sex = (
        pl.when(uniform("sex_fits", s) < 0.03)
        .then(pick("m_sex", s, [("1", 0.48), ("2", 0.48), ("", 0.02), ("3", 0.02)]))
        .when(male)
        .then(pl.lit("1"))
        .when(female)
        .then(pl.lit("2"))
        .otherwise(pick("m_sex_other", s, [("1", 0.5), ("2", 0.5)]))
    )
    seq_digit = (
        pl.when(sex == "1")
        .then(integer("seq_m", s, 0, 4) * 2 + 1)
        .otherwise(integer("seq_f", s, 0, 4) * 2)
    )
    sex_mismatch = uniform("sex_mismatch", s) < 0.02
    seq_digit = pl.when(sex_mismatch).then((seq_digit + 1) % 10).otherwise(seq_digit)
    first17 = pl.concat_str(
        [
            pl.lit("431202"),
            birth_text,
            integer("seq", s, 0, 99).cast(pl.String).str.zfill(2),
            seq_digit.cast(pl.String),
        ]
    )
    rows = rows.with_columns(first17.alias("__first17"), sex.alias("m_sex"))
    good_check = check_char(pl.col("__first17").str.slice(0, 17))
    wrong_check = good_check.replace_strict(
        {c: str((i + 3) % 10) for i, c in enumerate(ID_CHECK_CHARS)}, return_dtype=pl.String
    )
    id_kind = pick(
        "id_kind",
        s,
        [
            ("id", 0.86),
            ("badcheck", 0.02),
            ("dis20", 0.03),
            ("dis22", 0.02),
            ("dis21", 0.005),
            ("dis20bad", 0.005),
            ("old15", 0.005),
            ("lowerx", 0.005),
            ("junk", 0.005),
            ("blank", 0.01),
            ("dup", 0.01),
            ("other", 0.02),
        ],
    )
    id18 = pl.concat_str([pl.col("__first17"), good_check])
    id_number = (
        pl.when(id_kind == "badcheck")
        .then(pl.concat_str([pl.col("__first17"), wrong_check]))
        .when(id_kind == "dis20")
        .then(pl.concat_str([id18, pl.lit("41")]))
        .when(id_kind == "dis22")
        .then(pl.concat_str([id18, pl.lit("4102")]))
        .when(id_kind == "dis20bad")
        .then(pl.concat_str([pl.col("__first17"), wrong_check, pl.lit("41")]))
        .when(id_kind == "dis21")
        .then(pl.concat_str([id18, pl.lit("410")]))
        .when(id_kind == "old15")
        .then(pl.concat_str([pl.lit("431202"), birth_text.str.slice(2, 6), pl.lit("123")]))
        .when(id_kind == "lowerx")
        .then(pl.concat_str([pl.col("__first17"), pl.lit("x")]))
        .when(id_kind == "junk")
        .then(pl.lit("43120219AB0101123X"))
        .when(id_kind == "blank")
        .then(pl.lit(""))
        .when(id_kind == "other")
        .then(pl.lit("E12345678"))
        .otherwise(id18)
    )
    rows = rows.with_columns(id_number.alias("m_id_number"), id_kind.alias("__id_kind"))
    # Some members carry an ID already used by another member (7 rows back).
    rows = rows.with_columns(
        pl.when(pl.col("__id_kind") == "dup")
        .then(pl.col("m_id_number").shift(7).fill_null(pl.col("m_id_number")))
        .otherwise(pl.col("m_id_number"))
        .alias("m_id_number"),
        pl.when(pl.col("__id_kind").str.starts_with("dis"))
        .then(pl.lit("2"))
        .when(pl.col("__id_kind") == "other")
        .then(pl.lit("9"))
        .otherwise(pick("m_id_type", s, [("1", 0.99), ("", 0.01)]))
        .alias("m_id_type"),
    )
    # The form's age is the ID's age (2020 minus the birth year: the reference date is 12-31).
    true_age = 2020 - born.dt.year().cast(pl.Int64)
    age_text = true_age.cast(pl.String)
    age_off = uniform("age_off", s)
    rows = rows.with_columns(
        pl.when(age_off < 0.02)
        .then((true_age + 1).cast(pl.String))
        .when(age_off < 0.03)
        .then(pl.lit(""))
        .otherwise(age_text)
        .alias("m_age"),
        pick("m_status", s, [("1", 0.9), ("4", 0.04), ("2", 0.03), ("3", 0.02), ("", 0.01)]),
        pick("m_ethnicity", s, [("01", 0.85), ("15", 0.145), ("", 0.005)]),
        # The first member is ill when illness is the household's cause, disabled for disability.
        pl.when(first & (pl.col("a_main_cause") == "01") & (uniform("cause_fits", s) < 0.95))
        .then(pl.lit("2"))
        .when(first & (pl.col("a_main_cause") == "02") & (uniform("cause_fits", s) < 0.95))
        .then(pl.lit("4"))
        .otherwise(
            pick("m_health", s, [("1", 0.755), ("2", 0.12), ("3", 0.05), ("4", 0.07), ("", 0.005)])
        )
        .alias("m_health"),
    )
    age = pl.col("__age")
    school_age = (age >= 6) & (age <= 15)
    student = (
        pl.when(age < 3)
        .then(pl.lit("00"))
        .when(age < 6)
        .then(pick("ss_pre", s, [("10", 0.8), ("00", 0.2)]))
        .when(age <= 12)
        .then(
            pick(
                "ss_pri",
                s,
                [
                    ("11", 0.15),
                    ("13", 0.2),
                    ("16", 0.3),
                    ("10", 0.05),
                    ("00", 0.1),
                    ("31", 0.05),
                    ("21", 0.15),
                ],
            )
        )
        .when(age <= 15)
        .then(pick("ss_mid", s, [("21", 0.3), ("23", 0.3), ("31", 0.1), ("00", 0.2), ("14", 0.1)]))
        .when(age <= 22)
        .then(
            pick(
                "ss_high",
                s,
                [("31", 0.2), ("41", 0.15), ("52", 0.1), ("60", 0.1), ("00", 0.4), ("16", 0.05)],
            )
        )
        .otherwise(pick("ss_adult", s, [("00", 0.97), ("60", 0.01), ("", 0.02)]))
    )
    rows = rows.with_columns(
        pl.when(uniform("ed02_blank", s) < 0.004)
        .then(pl.lit(""))
        .otherwise(spoil("m_student_status", s, student, blank=0.002, missing=0.002))
        .alias("m_student_status"),
    )
    is_student = (
        ~pl.col("m_student_status").is_in(["00", ""]) & pl.col("m_student_status").is_not_null()
    )
    rows = rows.with_columns(
        pl.when(uniform("ed02_blank", s) < 0.004)
        .then(pl.lit(""))
        .otherwise(
            pick(
                "m_education",
                s,
                [
                    ("1", 0.1),
                    ("2", 0.3),
                    ("3", 0.35),
                    ("4", 0.1),
                    ("6", 0.05),
                    ("7", 0.03),
                    ("8", 0.04),
                    ("", 0.03),
                ],
            )
        )
        .alias("m_education"),
        pl.when(school_age)
        .then(pick("m_in_school", s, [("1", 0.93), ("2", 0.05), ("", 0.02)]))
        .alias("m_in_school"),
        pl.when(age < 16)
        .then(pick("skill_child", s, [("5", 0.96), ("1", 0.03), ("", 0.01)]))
        .when(is_student)
        .then(pick("skill_student", s, [("5", 0.9), ("1", 0.1)]))
        .when(age >= 60)
        .then(pick("skill_old", s, [("3", 0.45), ("4", 0.2), ("5", 0.32), ("1", 0.03)]))
        .otherwise(
            pick(
                "skill_adult",
                s,
                [("1", 0.72), ("2", 0.22), ("3", 0.03), ("4", 0.01), ("5", 0.01), ("", 0.01)],
            )
        )
        .alias("m_labour_skill"),
        pl.when((age >= 16) & (age < 65) & ~is_student)
        .then(
            pick(
                "m_work_status",
                s,
                [
                    ("0", 0.45),
                    ("1", 0.12),
                    ("2", 0.12),
                    ("3", 0.12),
                    ("4", 0.16),
                    ("", 0.02),
                    ("9", 0.01),
                ],
            )
        )
        .otherwise(pick("work_other", s, [("0", 0.97), ("4", 0.02), ("", 0.01)]))
        .alias("m_work_status"),
        pick("m_ins_resident_medical", s, [("1", 0.97), ("2", 0.02), ("", 0.01)]),
        pick("m_ins_employee_medical", s, [("2", 0.96), ("1", 0.03), ("", 0.01)]),
        pick("m_ins_critical_illness", s, [("1", 0.97), ("2", 0.02), ("", 0.01)]),
        pick("m_medical_assistance", s, [("2", 0.8), ("1", 0.18), ("", 0.02)]),
        pl.when(pl.col("a_attribute") == "2")
        .then(pick("m_dibao", s, [("1", 0.9), ("0", 0.08), ("", 0.02)]))
        .otherwise(pick("m_dibao_no", s, [("0", 0.98), ("1", 0.01), ("", 0.01)]))
        .alias("m_dibao"),
        pl.when(pl.col("a_attribute") == "3")
        .then(pick("m_tekun", s, [("1", 0.9), ("0", 0.1)]))
        .otherwise(pick("m_tekun_no", s, [("0", 0.99), ("1", 0.01)]))
        .alias("m_tekun"),
        pick("m_public_welfare_job", s, [("2", 0.9), ("1", 0.09), ("", 0.01)]),
        pick("m_name", s, [("王小明", 0.3), ("李华", 0.3), ("张三", 0.05), ("赵丽", 0.35)]),
    )
    working = pl.col("m_work_status").is_in(["1", "2", "3", "4", "9"])
    pwj = pl.col("m_public_welfare_job") == "1"
    disabled = pl.col("m_health") == "4"
    rows = rows.with_columns(
        pl.when(working)
        .then(
            spoil(
                "m_work_months",
                s,
                integer("months", s, 0, 13).cast(pl.String),
                blank=0.02,
                missing=0.0,
                junk=0.005,
            )
        )
        .when(uniform("months_stray", s) < 0.01)
        .then(pl.lit("3"))
        .alias("m_work_months"),
        pl.when(school_age & (pl.col("m_in_school") == "2"))
        .then(pick("m_not_in_school_reason", s, [("1", 0.3), ("2", 0.3), ("3", 0.3), ("", 0.1)]))
        .alias("m_not_in_school_reason"),
        pl.when(is_student & pl.col("m_student_status").is_in(["41", "42", "43", "51", "52", "53"]))
        .then(pick("edu_voc", s, [("4", 0.85), ("1 4", 0.1), ("", 0.05)]))
        .when(is_student)
        .then(pick("m_edu_assistance", s, [("1 2", 0.5), ("", 0.45), ("1 4", 0.05)]))
        .alias("m_edu_assistance"),
        pl.when(disabled)
        .then(pick("m_disability_category", s, [("4", 0.5), ("1", 0.2), ("5", 0.3)]))
        .alias("m_disability_category"),
        pl.when(disabled)
        .then(pick("m_disability_grade", s, [("1", 0.3), ("2", 0.2), ("3", 0.3), ("4", 0.2)]))
        .alias("m_disability_grade"),
        pl.when(disabled)
        .then(pick("m_disability_cert", s, [("1", 0.85), ("2", 0.1), ("", 0.05)]))
        .alias("m_disability_cert"),
        pl.when(disabled)
        .then(pick("m_disability_subsidy", s, [("1", 0.7), ("2", 0.3)]))
        .alias("m_disability_subsidy"),
        pl.when(pwj)
        .then(pick("m_pwj_type", s, [("1", 0.6), ("2", 0.3), ("", 0.1)]))
        .alias("m_pwj_type"),
        pl.when(pwj)
        .then(
            spoil(
                "m_pwj_months",
                s,
                integer("pwj_m", s, 0, 12).cast(pl.String),
                blank=0.05,
                missing=0.0,
            )
        )
        .alias("m_pwj_months"),
    )
    return rows.drop(
        [
            c
            for c in rows.columns
            if c.startswith("__") or c in ("member_count", "a_attribute", "a_main_cause")
        ]
    )


def finish_households(
    households: pl.DataFrame, members: pl.DataFrame, seed: int = 1
) -> pl.DataFrame:
    """Fill in what depends on the members: household size and per-capita income."""
    s = seed
    current = (
        members.filter(pl.col("m_status").is_in(["1", "4"]))
        .group_by(KEY)
        .agg(pl.len().cast(pl.Int64).alias("__size"))
    )
    workers = (
        members.filter(
            pl.col("m_status").is_in(["1", "4"])
            & pl.col("m_work_status").is_in(["1", "2", "3", "4", "9"])
        )
        .group_by(KEY)
        .agg(pl.len().cast(pl.Int64).alias("__workers"))
    )
    frame = (
        households.join(current, on=KEY, how="left")
        .join(workers, on=KEY, how="left")
        .with_columns(pl.col("__size").fill_null(0), pl.col("__workers").fill_null(0))
    )
    # Work income goes with members working away (IN-05), with a few exceptions.
    fits = uniform("wage_fits", s) < 0.97
    frame = frame.with_columns(
        pl.when(fits & (pl.col("__workers") == 0))
        .then(0)
        .when(fits & (pl.col("__c_h_wage_work") == 0))
        .then(integer("wage_again", s, 3000, 40000) * 100 * pl.col("__workers"))
        .otherwise(pl.col("__c_h_wage_work"))
        .alias("__c_h_wage_work")
    )
    done = pl.col("z_outcome") == "1"

    def asked(expr: pl.Expr) -> pl.Expr:
        name = expr.meta.output_name()
        return pl.when(done).then(expr).otherwise(pl.lit(None, dtype=pl.String)).alias(name)

    def total(*names: str) -> pl.Expr:
        return pl.sum_horizontal([pl.col("__c_" + n) for n in names])

    frame = frame.with_columns(
        total("h_wage_work", "h_wage_pwj", "h_wage_other").alias("__c_h_wage_total"),
        total("h_prod_crops", "h_prod_livestock", "h_prod_forestry", "h_prod_other").alias(
            "__c_h_prod_total"
        ),
        total("h_prop_dividends", "h_prop_land_rent", "h_prop_other").alias("__c_h_prop_total"),
        total(
            "h_trans_family_planning",
            "h_trans_dibao",
            "h_trans_tekun",
            "h_trans_pension",
            "h_trans_eco",
            "h_trans_other",
        ).alias("__c_h_trans_total"),
    )
    frame = frame.with_columns(
        (
            pl.col("__c_h_wage_total")
            + pl.col("__c_h_prod_total")
            + pl.col("__c_h_prop_total")
            + pl.col("__c_h_trans_total")
            - pl.col("__c_h_expenditure")
            + pl.when(uniform("net:off", s) < 0.02).then(50000).otherwise(0)
        ).alias("__c_h_net_income")
    )
    money = [
        asked(
            spoil(name, s, money_text(pl.col("__c_" + name)), blank=0.01, missing=0.0, junk=0.003)
        )
        for name in [
            *MONEY,
            "h_wage_total",
            "h_prod_total",
            "h_prop_total",
            "h_trans_total",
            "h_net_income",
        ]
    ]
    frame = frame.with_columns(money)

    size_off = uniform("size_off", s) < 0.02
    size = pl.when(size_off).then(pl.col("__size") + 1).otherwise(pl.col("__size"))
    per_capita_cents = pl.when(size > 0).then(
        (pl.col("__c_h_net_income").cast(pl.Float64) / size + 0.5).floor().cast(pl.Int64)
    )
    per_capita = (
        pl.when(uniform("pc_boundary", s) < 0.01).then(pl.lit(400000)).otherwise(per_capita_cents)
    )
    frame = frame.with_columns(
        pl.when(done).then(size.cast(pl.String)).alias("h_size"),
        pl.when(done)
        .then(
            spoil("h_per_capita", s, money_text(per_capita), blank=0.005, missing=0.0, junk=0.002)
        )
        .alias("h_per_capita"),
    )
    return frame.drop([c for c in frame.columns if c.startswith("__") or c == "member_count"])


def census(count: int, seed: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``count`` households and their members, ready for the vectorized engine."""
    households = households_frame(count, seed)
    members = members_frame(households, seed)
    return finish_households(households, members, seed), members


def to_records(
    households: pl.DataFrame, members: pl.DataFrame
) -> list[tuple[dict[str, str | None], list[dict[str, str | None]]]]:
    """The same data as (household dict, member dicts) pairs, absent keys for nulls."""
    by_household: dict[str, list[dict[str, str | None]]] = {}
    for row in members.sort([KEY, MEMBER_INDEX]).iter_rows(named=True):
        key = row[KEY]
        by_household.setdefault(key, []).append(
            {k: v for k, v in row.items() if v is not None and k not in (KEY, MEMBER_INDEX)}
        )
    return [
        (
            {k: v for k, v in row.items() if v is not None and k != KEY} | {KEY: row[KEY]},
            by_household.get(row[KEY], []),
        )
        for row in households.iter_rows(named=True)
    ]
