"""The register import: one service for the command line and the background job.

``register_import`` reads a register export (CSV in UTF-8 or GB18030, or XLSX), checks every
row and the file as a whole, and either reports only (dry run: nothing is written) or
writes all of it (commit; all-or-nothing unless only valid households are asked for).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from povcensus.accounts.roles import Perm
from povcensus.accounts.scope import scope_of
from povcensus.audit.services import AuditEntry, audit_record, audit_record_many
from povcensus.campaign.models import Campaign, CampaignStatus
from povcensus.core.errors import PERMISSION_DENIED, ApplicationError
from povcensus.core.progress import NullProgress, Progress
from povcensus.core.spreadsheets import TableError
from povcensus.geography.codes import Level
from povcensus.geography.models import Area
from povcensus.geography.selectors import within_area_q
from povcensus.register import errors
from povcensus.register.hooks import households_imported
from povcensus.register.mapping import Mapping, MappingError, load_mapping
from povcensus.register.parsing import (
    DEFAULT_BATCH_ROWS,
    CheckContext,
    OpenedFile,
    check_batch,
    open_register_file,
    read_batches,
)
from povcensus.register.report import SAMPLE_HOUSEHOLDS, ImportReport
from povcensus.register.services.first_load import (
    FirstLoad,
    FirstLoadAbandonedError,
    first_load_applies,
)
from povcensus.register.services.staging import Stage

logger = logging.getLogger(__name__)

ReportWriter = Callable[[Stage, ImportReport, OpenedFile], None]


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = True
    valid_only: bool = False  # commit the households without errors, leave out the rest
    batch_rows: int = DEFAULT_BATCH_ROWS


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def mapping_from_text(text: str | None) -> Mapping:
    """The mapping in ``text`` (an office's YAML), or the default one."""
    from povcensus.register.mapping import parse_mapping

    try:
        return parse_mapping(text) if text else load_mapping()
    except MappingError as exc:
        raise ApplicationError(errors.MAPPING_INVALID, reason=str(exc)) from None


def _villages(actor: Any, campaign: Campaign) -> tuple[set[str], set[str] | None]:
    """(census villages of the campaign, those ``actor`` may import; None: all of them)."""
    known = set(
        Area.objects.filter(
            within_area_q("code", campaign.area_id), level=Level.VILLAGE
        ).values_list("code", flat=True)
    )
    if actor is None:
        return known, None
    scope = scope_of(actor)
    if scope.allows(Perm.REGISTER_IMPORT, campaign.area_id):
        return known, None
    return known, {code for code in known if scope.allows(Perm.REGISTER_IMPORT, code)}


def register_import(
    *,
    actor: Any,
    campaign: Campaign,
    path: Path,
    filename: str = "",
    options: ImportOptions | None = None,
    mapping: Mapping | None = None,
    progress: Progress | None = None,
    write_report: ReportWriter | None = None,
) -> ImportReport:
    """Check a register export and, unless it is a dry run, write it into ``campaign``.

    ``actor`` needs ``register.import`` somewhere in the campaign's area (rows of villages
    outside the actor's import area are errors); ``actor=None`` is the command-line
    operator, who may import everywhere.  A dry run writes nothing.  A commit writes new
    households and members, updates households already in the register field by field,
    creates their listing entries (hooks) and records ``register.household.changed`` per
    changed household (field, old, new) and ``register.import.committed`` last, all in
    one transaction.  Households in the register but missing from the file are reported,
    never deleted.  ``write_report`` is called with the staged outcome (for the XLSX
    report) before anything is committed.

    Raises ``core.permission_denied``, ``register.campaign_closed``,
    ``register.file_unreadable``, ``register.missing_columns``, ``register.empty``,
    ``register.rows_invalid`` (commit with errors, not valid-only: nothing written),
    ``register.nothing_valid``.
    """
    options = options or ImportOptions()
    progress = progress or NullProgress()
    mapping = mapping or load_mapping()
    if actor is not None and not scope_of(actor).overlaps(Perm.REGISTER_IMPORT, campaign.area_id):
        raise ApplicationError(PERMISSION_DENIED)
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(errors.CAMPAIGN_CLOSED, campaign=campaign.name)
    known, allowed = _villages(actor, campaign)
    context = CheckContext(
        mapping=mapping,
        reference_date=campaign.reference_date,
        known_villages=known,
        allowed_villages=allowed,
    )
    sha256 = file_sha256(path)

    def new_report() -> ImportReport:
        return ImportReport(
            filename=filename or path.name,
            sha256=sha256,
            dry_run=options.dry_run,
            valid_only=options.valid_only,
        )

    report = new_report()
    with transaction.atomic():
        if not options.dry_run and first_load_applies(campaign.pk):
            loaded = _first_load(
                actor,
                campaign,
                path,
                mapping,
                context,
                options,
                progress,
                write_report,
                new_report(),
            )
            if loaded is not None:
                return loaded
        stage = Stage(campaign.pk)
        stage.create()
        try:
            with open_register_file(path, mapping) as opened:
                progress.start(opened.approximate_rows, _("读取并检查名册"))
                with stage.loader() as load:
                    for batch in read_batches(opened, batch_rows=options.batch_rows):
                        load(check_batch(batch, context))
                        report.rows += batch.height
                        progress.advance(batch.height)
                _check_staged(stage, report, options, progress)
                if write_report is not None:
                    progress.start(None, _("生成检查报告"))
                    write_report(stage, report, opened)
        except TableError as problem:
            if problem.missing:
                labels = "、".join(mapping.label(name) for name in problem.missing)
                raise ApplicationError(errors.MISSING_COLUMNS, columns=labels) from None
            raise ApplicationError(errors.FILE_UNREADABLE, reason=problem.reason) from None
        if options.dry_run:
            transaction.set_rollback(True)
            return report
        if not report.ok and not options.valid_only:
            raise ApplicationError(errors.ROWS_INVALID, count=report.error_rows)
        if report.households_new + report.households_changed + report.households_unchanged == 0:
            raise ApplicationError(errors.NOTHING_VALID)
        progress.start(report.households_new, _("写入新增户"))
        stage.insert_households(now=timezone.now())
        progress.start(report.members_new, _("写入新增成员"))
        stage.insert_members()
        progress.start(None, _("生成清查摸底表"))
        households_imported(campaign.pk, actor)
        progress.start(None, _("记入审计日志"))
        _audit(actor, campaign, stage, report)
        stage.drop()
        report.committed = True
        progress.start(None, _("提交"))
    return report


def _first_load(
    actor: Any,
    campaign: Campaign,
    path: Path,
    mapping: Mapping,
    context: CheckContext,
    options: ImportOptions,
    progress: Progress,
    write_report: ReportWriter | None,
    report: ImportReport,
) -> ImportReport | None:
    """Write a clean file into the campaign's empty register in one pass (``first_load``).

    Returns the committed report, or None when the file is not clean: its writes are rolled
    back to a savepoint and the caller takes the staged path, which reports the problems.
    """
    load = FirstLoad(campaign.pk, now=timezone.now())
    try:
        with transaction.atomic():
            try:
                with open_register_file(path, mapping) as opened:
                    progress.start(opened.approximate_rows, _("读取、检查并写入名册"))
                    batches = read_batches(opened, batch_rows=options.batch_rows)
                    load.load((check_batch(b, context) for b in batches), progress.advance)
                    progress.start(None, _("建立名册索引"))
                    load.build_indexes()
                    report.rows = report.members_new = load.members
                    report.households = report.households_new = load.households
                    _record_problems(report, load.stage)
                    if write_report is not None:
                        progress.start(None, _("生成检查报告"))
                        write_report(load.stage, report, opened)
            except TableError as problem:
                raise FirstLoadAbandonedError(f"file: {problem.reason}") from None
            progress.start(None, _("生成清查摸底表"))
            households_imported(campaign.pk, actor)
            progress.start(None, _("记入审计日志"))
            report.first_load = True
            _audit(actor, campaign, load.stage, report)
            load.stage.drop()
    except FirstLoadAbandonedError as abandoned:
        logger.info("register import %s: first load abandoned (%s)", report.sha256, abandoned)
        return None
    report.committed = True
    progress.start(None, _("提交"))
    return report


def _record_problems(report: ImportReport, stage: Stage) -> None:
    """The rows with errors and warnings, counted per code, with the first as samples."""
    (
        report.error_rows,
        report.warning_rows,
        report.error_counts,
        report.warning_counts,
        report.problem_rows,
    ) = stage.summarise_problems()


def _check_staged(
    stage: Stage, report: ImportReport, options: ImportOptions, progress: Progress
) -> None:
    progress.start(None, _("跨行检查（重复证件号码、户主）"))
    if report.rows == 0:
        raise ApplicationError(errors.EMPTY)
    stage.analyse()
    report.households = stage.households()
    _record_problems(report, stage)
    sorted_out = stage.classify()
    report.households_new = sorted_out.new
    report.households_skipped = sorted_out.skipped
    report.members_new = sorted_out.members_new
    will_write = not options.dry_run and (report.ok or options.valid_only)
    progress.start(sorted_out.existing or None, _("与现有名册比对"))
    diff = stage.compare_existing(write=will_write, now=timezone.now())
    report.households_changed = diff.changed
    report.households_unchanged = diff.unchanged
    report.changed_samples = diff.samples
    missing = 0
    for number, _village, _head in stage.missing():
        missing += 1
        if len(report.missing_numbers) < SAMPLE_HOUSEHOLDS:
            report.missing_numbers.append(number)
    report.households_missing = missing


def _audit(actor: Any, campaign: Campaign, stage: Stage, report: ImportReport) -> None:
    batch: list[AuditEntry] = []
    for household_id, village_code, changes in stage.change_entries():
        batch.append(
            AuditEntry(
                action="register.household.changed",
                object_type="household",
                object_id=str(household_id),
                area_code=village_code,
                after={"changes": changes, "import": report.sha256},
            )
        )
        if len(batch) >= 2000:
            audit_record_many(actor=actor, entries=batch)
            batch = []
    if batch:
        audit_record_many(actor=actor, entries=batch)
    audit_record(
        actor=actor,
        action="register.import.committed",
        object_type="campaign",
        object_id=campaign.pk,
        area_code=campaign.area_id,
        after={
            "file": report.filename,
            "sha256": report.sha256,
            "rows": report.rows,
            "households": report.households,
            "households_new": report.households_new,
            "members_new": report.members_new,
            "households_changed": report.households_changed,
            "households_unchanged": report.households_unchanged,
            "households_skipped": report.households_skipped,
            "households_missing": report.households_missing,
            "missing_numbers": report.missing_numbers,
            "valid_only": report.valid_only,
            "error_rows": report.error_rows,
            "first_load": report.first_load,
        },
    )
