"""Reading a register export in batches and checking each row, vectorised with Polars (pure).

Invariants:

* the file is streamed: :func:`read_batches` yields Polars frames of at most
  ``batch_rows`` rows, whatever the file size (CSV through Polars' streaming reader, XLSX
  through openpyxl's read-only mode); a GB18030 CSV is first transcoded to a temporary
  UTF-8 file, chunk by chunk;
* ``row_number`` is the row number the user sees in a spreadsheet program (title and
  header rows included), so every message points at the right line;
* :func:`check_batch` looks at one row at a time (cross-row checks need the whole file and
  are done in the database, see ``register.services.staging``); it returns the normalised
  row (codes instead of labels, repaired ID numbers) plus two columns: ``problems``
  (errors) and ``notes`` (warnings), each a ``;``-separated list of ``code|field|value``
  (optionally ``|arg``) tokens (:func:`parse_tokens`).  A row without problems can be written as it is;
* ID numbers are repaired only where the repair is unambiguous (full-width digits, spaces,
  an apostrophe, a lowercase x), exactly as ``core.idnumbers.repair_id`` does; scientific
  notation is never "repaired".
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Set
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from povcensus.core.encodings import detect_encoding
from povcensus.core.idnumbers import CHECK_CHARS, WEIGHTS
from povcensus.core.spreadsheets import (
    HeaderLayout,
    first_rows,
    is_xlsx_file,
    iter_file_rows,
    locate_header,
    transcode_to_utf8,
)
from povcensus.register import codelists
from povcensus.register import errors as codes
from povcensus.register.mapping import FIELDS, FIELDS_BY_NAME, Kind, Mapping

HEADER_SCAN_ROWS = 40
DEFAULT_BATCH_ROWS = 50_000

# The normalised row, as staged in the database (order matters: it is the staging table's).
STAGE_TEXT_COLUMNS = (
    "number",
    "village_code",
    "group_name",
    "natural_village",
    "head_name",
    "phone",
    "identification_standard",
    "attribute",
    "exit_status",
    "main_cause",
    "other_causes",
    "household_extra",
    "name",
    "sex",
    "id_type",
    "id_number",
    "relation",
    "ethnicity",
    "education",
    "student_status",
    "health",
    "labour_skill",
    "work_status",
    "problems",
    "notes",
)
STAGE_INT_COLUMNS = ("size_registered", "identified_year", "exit_year", "work_months", "id_valid")
STAGE_COLUMNS = ("row_number", *STAGE_TEXT_COLUMNS, *STAGE_INT_COLUMNS)

_FULLWIDTH_FROM = [*"０１２３４５６７８９", "Ｘ", "ｘ"]
_FULLWIDTH_TO = [*"0123456789", "X", "x"]
_SCIENTIFIC = r"^\d(\.\d+)?[eE]\+?\d+$"
_ID18 = r"^\d{17}[\dX]$"
_DISABILITY = r"^\d{17}[\dX]\d{2}(\d{2})?$"
_SEPARATORS = r"[、，,;；/\s]+"


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenedFile:
    layout: HeaderLayout
    is_xlsx: bool
    path: Path  # UTF-8 for a CSV (transcoded if needed)
    approximate_rows: int | None


@contextmanager
def open_register_file(path: Path, mapping: Mapping) -> Iterator[OpenedFile]:
    """Locate the header and prepare ``path`` for :func:`read_batches`.

    Raises :class:`~povcensus.core.spreadsheets.TableError` (unreadable file, or header
    not found: ``missing`` lists the required fields not found).
    """
    xlsx = is_xlsx_file(path)
    sample = first_rows(path, HEADER_SCAN_ROWS)
    required = [name for name in FIELDS_BY_NAME if name in mapping.required]
    layout = locate_header(sample, lookup=mapping.lookup(), required=required)
    if xlsx:
        yield OpenedFile(layout, True, path, None)
        return
    with path.open("rb") as handle:
        encoding = detect_encoding(handle.read(1 << 20))
    if encoding in ("utf-8", "utf-8-sig", "ascii"):
        yield OpenedFile(layout, False, path, _count_lines(path) - layout.data_start)
        return
    with tempfile.TemporaryDirectory(prefix="povcensus-register-") as folder:
        utf8 = Path(folder) / "register-utf8.csv"
        transcode_to_utf8(path, utf8, encoding=encoding)
        yield OpenedFile(layout, False, utf8, _count_lines(utf8) - layout.data_start)


def _count_lines(path: Path) -> int:
    """Lines in the file (an estimate of rows for the progress bar)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"\n")
    return count


def read_batches(
    opened: OpenedFile, *, batch_rows: int = DEFAULT_BATCH_ROWS
) -> Iterator[pl.DataFrame]:
    """Yield the data rows as frames of canonical string columns plus ``row_number``.

    Blank rows are dropped (their numbers are skipped, never reused).
    """
    layout = opened.layout
    wanted = [(i, name) for i, name in enumerate(layout.columns) if name]
    names = [name for _, name in wanted]
    if opened.is_xlsx:
        batches = _xlsx_batches(opened.path, layout, wanted, batch_rows)
    else:
        width = max(len(layout.columns), max(i for i, _ in wanted) + 1)
        frame = pl.scan_csv(
            opened.path,
            has_header=False,
            skip_rows=layout.data_start,
            schema={f"c{i}": pl.String for i in range(width)},
            truncate_ragged_lines=True,
            quote_char='"',
            encoding="utf8",
            raise_if_empty=False,
        ).with_row_index("row_number", offset=layout.data_start + 1)
        frame = frame.select(
            pl.col("row_number").cast(pl.Int64), *[pl.col(f"c{i}").alias(n) for i, n in wanted]
        )
        batches = iter(frame.collect_batches(chunk_size=batch_rows))
    for batch in batches:
        stripped = batch.with_columns(pl.col(names).str.strip_chars())
        blank = pl.all_horizontal([pl.col(n).is_null() | (pl.col(n) == "") for n in names])
        kept = stripped.filter(~blank)
        if kept.height:
            yield kept


def _xlsx_batches(
    path: Path, layout: HeaderLayout, wanted: list[tuple[int, str]], batch_rows: int
) -> Iterator[pl.DataFrame]:
    schema = {"row_number": pl.Int64, **{name: pl.String for _, name in wanted}}
    rows: list[list[object]] = []
    for number, raw in enumerate(iter_file_rows(path), start=1):
        if number <= layout.data_start:
            continue
        rows.append([number, *[raw[i] if i < len(raw) else "" for i, _ in wanted]])
        if len(rows) >= batch_rows:
            yield pl.DataFrame(rows, schema=schema, orient="row")
            rows = []
    if rows:
        yield pl.DataFrame(rows, schema=schema, orient="row")


# --- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckContext:
    mapping: Mapping
    reference_date: date  # birth dates after it are impossible
    known_villages: Set[str]  # census villages inside the campaign's area
    allowed_villages: Set[str] | None  # None: the actor may import everywhere


def _safe(value: pl.Expr) -> pl.Expr:
    """A value fit for a token: no separators, bounded length."""
    return value.str.replace_all(r"[|;\n\r]", " ").str.slice(0, 60)


@dataclass(frozen=True)
class _Check:
    condition: pl.Expr  # true where the row has the problem
    text: pl.Expr  # the problem's token


def _token(
    condition: pl.Expr,
    code: str,
    field: str,
    value: pl.Expr | None = None,
    arg: pl.Expr | None = None,
) -> _Check:
    parts = [pl.lit(f"{code}|{field}|")]
    if value is not None:
        parts.append(_safe(value))
    if arg is not None:
        parts += [pl.lit("|"), _safe(arg)]
    return _Check(condition=condition, text=pl.concat_str(parts))


def _checksum_ok(value: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        [value.str.slice(i, 1).cast(pl.Int64, strict=False) * w for i, w in enumerate(WEIGHTS)]
    )
    expected = pl.lit(CHECK_CHARS).str.slice(total % 11, 1)
    return value.str.slice(17, 1) == expected


def check_batch(batch: pl.DataFrame, context: CheckContext) -> pl.DataFrame:
    """Normalise and check one batch; return it shaped as :data:`STAGE_COLUMNS`."""
    mapping = context.mapping
    missing = [spec.name for spec in FIELDS if spec.name not in batch.columns]
    frame = batch.with_columns([pl.lit("").alias(name) for name in missing]).with_columns(
        [pl.col(spec.name).fill_null("").str.strip_chars() for spec in FIELDS]
    )
    v = pl.col
    errors: list[_Check] = []
    warnings: list[_Check] = []

    # Required fields and lengths.
    for name in sorted(mapping.required):
        errors.append(_token(v(name) == "", codes.REQUIRED_MISSING.code, name))
    for spec in FIELDS:
        if spec.kind in (Kind.TEXT, Kind.AREA_CODE):
            errors.append(
                _token(
                    v(spec.name).str.len_chars() > spec.max_length,
                    codes.VALUE_TOO_LONG.code,
                    spec.name,
                    v(spec.name),
                )
            )

    # ID numbers: repair what is unambiguous, refuse the rest.  Intermediate results are
    # materialised as columns ("_…") so that each is computed once.
    raw_id = v("id_number")
    frame = frame.with_columns(
        _scientific=raw_id.str.replace_all(r"[\s\u3000]", "").str.contains(_SCIENTIFIC),
        _cleaned=raw_id.str.replace_many(_FULLWIDTH_FROM, _FULLWIDTH_TO)
        .str.strip_chars_start("'")
        .str.replace_all(r"[\s\u3000]", "")
        .str.to_uppercase(),
    )
    cleaned, scientific = v("_cleaned"), v("_scientific")
    frame = frame.with_columns(
        _length=cleaned.str.len_chars(),
        _id18=cleaned.str.contains(_ID18),
        _disability=cleaned.str.contains(_DISABILITY),
        _base=cleaned.str.slice(0, 18),
    )
    frame = frame.with_columns(
        _checksum_ok=_checksum_ok(v("_base")),
        _born=v("_base").str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
    )
    length, is_id18, is_disability, checksum_ok, born = (
        v("_length"),
        v("_id18"),
        v("_disability"),
        v("_checksum_ok"),
        v("_born"),
    )
    present = raw_id != ""
    frame = frame.with_columns(
        _birth_bad=(is_id18 | is_disability)
        & checksum_ok
        & (born.is_null() | (born > context.reference_date) | (born < date(1900, 1, 1)))
    )
    birth_bad = v("_birth_bad")
    frame = frame.with_columns(
        _id_ok=((is_id18 | is_disability) & checksum_ok & ~birth_bad).fill_null(False)
    )
    id_ok = v("_id_ok")
    id_value = pl.when(scientific).then(raw_id).otherwise(cleaned)
    bad_shape = present & ~scientific & ~is_id18 & ~is_disability & ~length.is_in([20, 22])
    bad_disability = present & ~scientific & length.is_in([20, 22]) & ~is_disability
    errors += [
        _token(present & scientific, codes.ID_SCIENTIFIC.code, "id_number", raw_id),
        _token(bad_shape, codes.ID_LENGTH.code, "id_number", raw_id),
        _token(
            bad_disability | (is_disability & ~checksum_ok),
            codes.DISABILITY_NUMBER_INVALID.code,
            "id_number",
            raw_id,
        ),
        _token(is_id18 & ~checksum_ok, codes.ID_CHECKSUM.code, "id_number", raw_id),
        _token(birth_bad, codes.ID_BIRTH_DATE.code, "id_number", raw_id),
    ]
    warnings.append(
        _token(
            present & ~scientific & (cleaned != raw_id),
            codes.ID_REPAIRED.code,
            "id_number",
            pl.concat_str([raw_id, pl.lit("→"), cleaned]),
        )
    )

    # Coded fields.
    coded: dict[str, pl.Expr] = {}
    for spec in FIELDS:
        if spec.kind == Kind.CODE:
            table = mapping.value_codes(spec.code_list)
            mapped = v(spec.name).replace_strict(table, default=None, return_dtype=pl.String)
            errors.append(
                _token(
                    (v(spec.name) != "") & mapped.is_null(),
                    codes.UNKNOWN_CODE.code,
                    spec.name,
                    v(spec.name),
                )
            )
            coded[spec.name] = mapped
    frame = frame.with_columns([expr.alias(f"_code_{name}") for name, expr in coded.items()])
    coded = {name: v(f"_code_{name}").fill_null("") for name in coded}
    cause_table = mapping.value_codes("poverty_cause")
    causes = (
        v("other_causes")
        .str.replace_all(_SEPARATORS, ",")
        .str.strip_chars(",")
        .str.split(",")
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    cause_codes = causes.list.eval(
        pl.element().replace_strict(cause_table, default=None, return_dtype=pl.String)
    )
    errors.append(
        _token(
            cause_codes.list.eval(pl.element().is_null()).list.any().fill_null(False),
            codes.UNKNOWN_CODE.code,
            "other_causes",
            v("other_causes"),
        )
    )
    other_causes_json = pl.concat_str(
        [
            pl.lit('["'),
            cause_codes.list.eval(pl.element().fill_null("")).list.join('","'),
            pl.lit('"]'),
        ]
    )
    other_causes_json = (
        pl.when(causes.list.len().fill_null(0) == 0).then(pl.lit("[]")).otherwise(other_causes_json)
    )

    # Sex: from the column, else from the ID's 17th digit; relation must agree with it.
    id_sex = (
        pl.when(id_ok)
        .then(
            pl.when(cleaned.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
            .then(pl.lit("1"))
            .otherwise(pl.lit("2"))
        )
        .otherwise(pl.lit(""))
    )
    frame = frame.with_columns(_id_sex=id_sex)
    id_sex = v("_id_sex")
    frame = frame.with_columns(
        _sex=pl.when(coded["sex"] != "").then(coded["sex"]).otherwise(id_sex)
    )
    sex = v("_sex")
    warnings.append(
        _token(
            (coded["sex"] != "") & (id_sex != "") & (coded["sex"] != id_sex),
            codes.SEX_ID_MISMATCH.code,
            "sex",
            v("sex"),
        )
    )
    relation = coded["relation"]
    errors.append(
        _token(
            (relation.is_in(list(codelists.RELATIONS_MALE)) & (sex == "2"))
            | (relation.is_in(list(codelists.RELATIONS_FEMALE)) & (sex == "1")),
            codes.RELATION_SEX_MISMATCH.code,
            "relation",
            v("relation"),
            pl.when(v("sex") != "")
            .then(v("sex"))
            .otherwise(id_sex.replace_strict({"1": "男", "2": "女"}, default="")),
        )
    )
    id_type = (
        pl.when(coded["id_type"] != "")
        .then(coded["id_type"])
        .when(length.is_in([20, 22]))
        .then(pl.lit("2"))
        .otherwise(pl.lit("1"))
    )

    # Numbers.
    number_specs = [spec for spec in FIELDS if spec.kind in (Kind.COUNT, Kind.YEAR)]
    frame = frame.with_columns(
        [
            v(spec.name)
            .str.strip_suffix(".0")
            .cast(pl.UInt16, strict=False)  # digits only ("+3", "-1", "3.5" → null)
            .cast(pl.Int64)
            .alias(f"_number_{spec.name}")
            for spec in number_specs
        ]
    )
    numbers: dict[str, pl.Expr] = {}
    for spec in number_specs:
        text, value = v(spec.name), v(f"_number_{spec.name}")
        bad = (text != "") & (value.is_null() | (value < spec.low) | (value > spec.high))
        errors.append(_token(bad, codes.BAD_NUMBER.code, spec.name, text))
        numbers[spec.name] = pl.when(bad).then(None).otherwise(value)

    # The village.
    village = v("village_code")
    known = village.is_in(list(context.known_villages))
    errors.append(
        _token((village != "") & ~known, codes.UNKNOWN_VILLAGE.code, "village_code", village)
    )
    if context.allowed_villages is not None:
        errors.append(
            _token(
                known & ~village.is_in(list(context.allowed_villages)),
                codes.VILLAGE_OUT_OF_SCOPE.code,
                "village_code",
                village,
            )
        )

    warnings.append(
        _token(
            (relation == "01") & (v("head_name") != "") & (v("head_name") != v("name")),
            codes.HEAD_NAME_MISMATCH.code,
            "head_name",
            v("head_name"),
        )
    )
    escaped_group = v("group_code").str.replace_all("\\\\", "\\\\\\\\").str.replace_all('"', '\\"')
    household_extra = (
        pl.when(v("group_code") != "")
        .then(pl.concat_str([pl.lit('{"group_code": "'), escaped_group, pl.lit('"}')]))
        .otherwise(pl.lit("{}"))
    )
    head_name = (
        pl.when(v("head_name") != "")
        .then(v("head_name"))
        .otherwise(pl.when(relation == "01").then(v("name")).otherwise(pl.lit("")))
    )

    columns = [
        pl.col("row_number").cast(pl.Int64),
        v("number"),
        village.alias("village_code"),
        v("group_name"),
        v("natural_village"),
        head_name.alias("head_name"),
        v("phone"),
        coded["identification_standard"].alias("identification_standard"),
        coded["attribute"].alias("attribute"),
        coded["exit_status"].alias("exit_status"),
        coded["main_cause"].alias("main_cause"),
        other_causes_json.alias("other_causes"),
        household_extra.alias("household_extra"),
        v("name"),
        sex.alias("sex"),
        id_type.alias("id_type"),
        id_value.alias("id_number"),
        relation.alias("relation"),
        coded["ethnicity"].alias("ethnicity"),
        coded["education"].alias("education"),
        coded["student_status"].alias("student_status"),
        coded["health"].alias("health"),
        coded["labour_skill"].alias("labour_skill"),
        coded["work_status"].alias("work_status"),
        pl.lit("").alias("problems"),
        pl.lit("").alias("notes"),
        *[numbers[name].alias(name) for name in STAGE_INT_COLUMNS[:4]],
        id_ok.cast(pl.Int64).alias("id_valid"),
    ]
    # Conditions are cheap, building the messages' tokens is not: they are built only for
    # the (few) rows that have a problem.
    flags = {f"_e{i}": c.condition.fill_null(False) for i, c in enumerate(errors)}
    flags |= {f"_w{i}": c.condition.fill_null(False) for i, c in enumerate(warnings)}
    frame = frame.with_columns(**flags)
    flagged = pl.any_horizontal([pl.col(name) for name in flags])
    tokens = {
        "problems": pl.concat_str(
            [pl.when(pl.col(f"_e{i}")).then(c.text) for i, c in enumerate(errors)],
            separator=";",
            ignore_nulls=True,
        ).fill_null(""),
        "notes": pl.concat_str(
            [pl.when(pl.col(f"_w{i}")).then(c.text) for i, c in enumerate(warnings)],
            separator=";",
            ignore_nulls=True,
        ).fill_null(""),
    }
    with_problems = [
        tokens.get(c.meta.output_name(), c).alias(c.meta.output_name()) for c in columns
    ]
    return pl.concat(
        [
            frame.filter(~flagged).select(columns),
            frame.filter(flagged).select(with_problems),
        ]
    ).sort("row_number")


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    value: str
    arg: str = ""  # e.g. the rows sharing a duplicate ID number


def parse_tokens(text: str) -> list[Problem]:
    problems = []
    for item in text.split(";") if text else []:
        code, field, value, arg = [*item.split("|", 3), "", "", ""][:4]
        problems.append(Problem(code, field, value, arg))
    return problems


def token(code: str, field: str, value: str, arg: str = "") -> str:
    """One problem as stored (the same shape :func:`check_batch` builds)."""
    clean = value.replace("|", " ").replace(";", " ")[:60]
    return f"{code}|{field}|{clean}|{arg}" if arg else f"{code}|{field}|{clean}"
