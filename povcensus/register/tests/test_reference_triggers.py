"""References without per-row foreign keys stay enforced on every write path (decision 0021).

Member → household, household → campaign and village (``register.db_guard``), listing
entry → household and village listing (``listing.db_guard``) carry no foreign-key
constraint; set-based triggers refuse an orphan on both databases, whether the write comes
through the ORM, raw SQL, one row or a bulk statement: inserting or updating a child that
names a missing parent, deleting a parent that children still name (``PROTECT``), changing
a referenced key.  ``CASCADE`` parents take their children with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from povcensus.campaign.models import Campaign
from povcensus.core import db_triggers
from povcensus.core.db_references import REFERENCE_MARKER
from povcensus.listing import db_guard as listing_guard
from povcensus.listing.models import ListingEntry, VillageListing
from povcensus.register import db_guard as register_guard
from povcensus.register.models import Household, Member

pytestmark = pytest.mark.django_db
MISSING = 987_654_321
GUARDS = (register_guard.GUARD, listing_guard.GUARD)


def _refused(write: Callable[[], Any], what: str = "") -> None:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        write()
    assert REFERENCE_MARKER in str(refusal.value)
    assert what in str(refusal.value)
    assert isinstance(refusal.value, IntegrityError)


def _sql(statement: str, params: list[Any] | None = None) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])

    return run


def _household(campaign: Campaign, number: str = "T-0001", **fields: Any) -> Household:
    village = Household.objects.filter(campaign=campaign).values_list("village_id", flat=True)[0]
    return Household.objects.create(
        campaign=campaign, number=number, village_id=village, head_name="户主", **fields
    )


def _member_values(household_id: int, campaign_id: int, seq: int = 1) -> list[Any]:
    return [
        household_id,
        campaign_id,
        seq,
        "成员",
        "1",
        "1",
        "",
        "01",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "{}",
    ]


MEMBER_INSERT = """INSERT INTO register_member
    (household_id, campaign_id, seq, name, sex, id_type, id_number, relation, ethnicity,
     education, student_status, health, labour_skill, work_status, phone, extra)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""


def test_the_guards_are_installed() -> None:
    for guard in GUARDS:
        assert guard.installed(connection) == guard.trigger_names(connection.vendor)
    assert {g.prefix for g in db_triggers.guards()} >= {g.prefix for g in GUARDS}


def test_guards_are_lifted_for_migrate_on_sqlite_and_come_back() -> None:
    db_triggers.lift_for_migrate(using="default")
    for guard in GUARDS:
        expected = guard.trigger_names(connection.vendor)
        assert guard.installed(connection) == (set() if connection.vendor == "sqlite" else expected)
    db_triggers.ensure_installed(using="default")
    for guard in GUARDS:
        assert guard.installed(connection) == guard.trigger_names(connection.vendor)


# --- members → household --------------------------------------------------------------------


def test_member_of_a_missing_household_is_refused_through_the_orm(world: Any) -> None:
    _refused(
        lambda: Member.objects.create(
            household_id=MISSING, campaign=world.campaign, seq=1, name="孤儿"
        ),
        "register_member.household_id",
    )
    household = _household(world.campaign)
    _refused(
        lambda: Member.objects.bulk_create(
            [
                Member(household=household, campaign=world.campaign, seq=1, name="有户"),
                Member(household_id=MISSING, campaign=world.campaign, seq=1, name="孤儿"),
            ]
        )
    )
    assert not Member.objects.filter(household=household).exists()


def test_member_of_a_missing_household_is_refused_through_raw_sql(world: Any) -> None:
    _refused(_sql(MEMBER_INSERT, _member_values(MISSING, world.campaign.pk)))
    household = _household(world.campaign)
    # One orphan in a bulk INSERT … SELECT: the whole statement is refused.
    _refused(
        _sql(
            """INSERT INTO register_member
                (household_id, campaign_id, seq, name, sex, id_type, id_number, relation,
                 ethnicity, education, student_status, health, labour_skill, work_status,
                 phone, extra)
            SELECT h, %s, 1, 'x', '', '1', '', '', '', '', '', '', '', '', '', '{}'
            FROM (SELECT %s AS h UNION ALL SELECT %s) ids""",
            [world.campaign.pk, household.pk, MISSING],
        )
    )
    assert not Member.objects.filter(household=household).exists()
    _sql(MEMBER_INSERT, _member_values(household.pk, world.campaign.pk))()
    assert Member.objects.filter(household=household).count() == 1


def test_an_orphan_between_existing_households_is_refused_in_a_bulk_statement(
    world: Any,
) -> None:
    # The check looks at the parents between the statement's lowest and highest key: an
    # orphan inside that range (a deleted household's id) must still be found.
    first, gone, last = (_household(world.campaign, f"43120211020199{n}") for n in (71, 72, 73))
    gone_id = gone.pk
    gone.delete()

    def members_of(*household_ids: int) -> Callable[[], None]:
        ids = "SELECT %s AS h" + " UNION ALL SELECT %s" * (len(household_ids) - 1)
        return _sql(
            f"""INSERT INTO register_member
                (household_id, campaign_id, seq, name, sex, id_type, id_number, relation,
                 ethnicity, education, student_status, health, labour_skill, work_status,
                 phone, extra)
            SELECT h, %s, 1, 'x', '', '1', '', '', '', '', '', '', '', '', '', '{{}}'
            FROM ({ids}) AS ids""",  # noqa: S608 (placeholders only)
            [world.campaign.pk, *household_ids],
        )

    _refused(members_of(first.pk, gone_id, last.pk))
    assert not Member.objects.filter(household__in=[first, last]).exists()
    members_of(first.pk, last.pk)()
    assert Member.objects.filter(household__in=[first, last]).count() == 2


def test_moving_a_member_to_a_missing_household_is_refused(world: Any) -> None:
    member = Member.objects.filter(campaign=world.campaign).first()
    assert member is not None
    member.household_id = MISSING
    _refused(lambda: member.save(update_fields=["household"]))
    _refused(lambda: Member.objects.filter(pk=member.pk).update(household_id=MISSING))
    _refused(
        _sql("UPDATE register_member SET household_id = %s WHERE id = %s", [MISSING, member.pk])
    )
    # Other updates of the same rows pass (the reference is unchanged).
    Member.objects.filter(pk=member.pk).update(name="改名")


def test_deleting_a_household_deletes_its_members_on_every_path(world: Any) -> None:
    for delete in ("orm", "sql"):
        household = _household(world.campaign, number=f"T-{delete}")
        for seq in (1, 2):
            _sql(MEMBER_INSERT, _member_values(household.pk, world.campaign.pk, seq))()
        if delete == "orm":
            household.delete()
        else:
            _sql("DELETE FROM register_household WHERE id = %s", [household.pk])()
        assert not Member.objects.filter(household_id=household.pk).exists()


def test_changing_a_referenced_household_key_is_refused(world: Any) -> None:
    member = Member.objects.filter(campaign=world.campaign).first()
    assert member is not None
    _refused(
        _sql("UPDATE register_household SET id = %s WHERE id = %s", [MISSING, member.household_id])
    )


# --- households → campaign and village -----------------------------------------------------


def test_household_of_a_missing_campaign_or_village_is_refused(world: Any) -> None:
    household = _household(world.campaign)
    _refused(
        lambda: Household.objects.create(
            campaign_id=MISSING, number="T-0002", village_id=household.village_id, head_name="x"
        ),
        "register_household.campaign_id",
    )
    household.village_id = "999999999999"
    _refused(lambda: household.save(update_fields=["village"]), "register_household.village_code")
    _refused(
        _sql(
            "UPDATE register_household SET campaign_id = %s WHERE id = %s",
            [MISSING, household.pk],
        ),
        "register_household.campaign_id",
    )
    _refused(
        _sql(
            """INSERT INTO register_household (campaign_id, number, village_code, group_name,
                natural_village, head_name, head_id_number, phone, size_registered,
                identification_standard, attribute, exit_status, main_cause, other_causes,
                extra, created_at, updated_at)
            VALUES (%s, 'T-raw', '999999999999', '', '', 'x', '', '', 1, '', '', '', '',
                '[]', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)""",
            [world.campaign.pk],
        ),
        "register_household.village_code",
    )


def test_deleting_a_campaign_or_village_with_households_is_refused(world: Any) -> None:
    household = Household.objects.filter(campaign=world.campaign).first()
    assert household is not None
    with pytest.raises(ProtectedError), transaction.atomic():
        world.campaign.delete()
    _refused(
        _sql("DELETE FROM campaign_campaign WHERE id = %s", [world.campaign.pk]),
        "register_household.campaign_id",
    )
    _refused(
        _sql("DELETE FROM geography_area WHERE code = %s", [household.village_id]),
        "register_household.village_code",
    )
    assert Household.objects.filter(pk=household.pk).exists()


# --- listing entries → household and village listing ---------------------------------------


def test_entry_of_a_missing_household_or_listing_is_refused(world: Any) -> None:
    listing = VillageListing.objects.filter(campaign=world.campaign).first()
    assert listing is not None
    household = _household(world.campaign)
    _refused(
        lambda: ListingEntry.objects.create(listing=listing, household_id=MISSING),
        "listing_listingentry.household_id",
    )
    _refused(
        lambda: ListingEntry.objects.create(listing_id=MISSING, household=household),
        "listing_listingentry.listing_id",
    )
    _refused(
        _sql(
            """INSERT INTO listing_listingentry
                (listing_id, household_id, status, explanation, note, revision)
            VALUES (%s, %s, '', '', '', 0)""",
            [listing.pk, MISSING],
        ),
        "listing_listingentry.household_id",
    )
    entry = ListingEntry.objects.create(listing=listing, household=household)
    _refused(
        _sql("UPDATE listing_listingentry SET listing_id = %s WHERE id = %s", [MISSING, entry.pk]),
        "listing_listingentry.listing_id",
    )


def test_deleting_a_household_with_a_listing_entry_is_refused(world: Any) -> None:
    entry = ListingEntry.objects.filter(listing__campaign=world.campaign).first()
    assert entry is not None
    with pytest.raises(ProtectedError), transaction.atomic():
        entry.household.delete()
    _refused(
        _sql("DELETE FROM register_household WHERE id = %s", [entry.household_id]),
        "listing_listingentry.household_id",
    )
    assert Household.objects.filter(pk=entry.household_id).exists()
    assert Member.objects.filter(household_id=entry.household_id).exists()


def test_deleting_a_village_listing_deletes_its_entries(world: Any) -> None:
    household = _household(world.campaign)
    for delete in ("orm", "sql"):
        listing = VillageListing.objects.create(
            campaign=world.campaign, village_id=_spare_village(world.campaign)
        )
        ListingEntry.objects.filter(household=household).delete()
        entry = ListingEntry.objects.create(listing=listing, household=household)
        if delete == "orm":
            listing.delete()
        else:
            _sql("DELETE FROM listing_villagelisting WHERE id = %s", [listing.pk])()
        assert not ListingEntry.objects.filter(pk=entry.pk).exists()


def _spare_village(campaign: Campaign) -> str:
    from povcensus.geography.codes import Level
    from povcensus.geography.models import Area

    used = VillageListing.objects.filter(campaign=campaign).values_list("village_id", flat=True)
    spare = Area.objects.filter(level=Level.VILLAGE).exclude(code__in=list(used)).first()
    assert spare is not None
    return spare.code


def test_emptying_a_parent_table_without_its_children_is_refused() -> None:
    # PostgreSQL: TRUNCATE … CASCADE follows real foreign keys only, so members and entries,
    # guarded by triggers, would stay.  SQLite has no TRUNCATE: its whole-table DELETE runs
    # the delete triggers (a listing entry still names each household).
    if connection.vendor == "postgresql":
        _refused(
            _sql("TRUNCATE register_household CASCADE"), "register_household rows are still named"
        )
    else:
        _refused(_sql("DELETE FROM register_household"), "listing_listingentry.household_id")


def test_entry_merged_into_or_edited_by_a_missing_row_is_refused(world: Any) -> None:
    entry = ListingEntry.objects.filter(listing__campaign=world.campaign).first()
    assert entry is not None
    _refused(
        lambda: ListingEntry.objects.filter(pk=entry.pk).update(status="7", merged_into_id=MISSING),
        "listing_listingentry.merged_into_id",
    )
    _refused(
        _sql(
            "UPDATE listing_listingentry SET updated_by_id = %s WHERE id = %s", [MISSING, entry.pk]
        ),
        "listing_listingentry.updated_by_id",
    )
    editor = world.user("county_office")
    ListingEntry.objects.filter(pk=entry.pk).update(updated_by=editor)
    _refused(
        _sql("DELETE FROM accounts_user WHERE id = %s", [editor.pk]),
        "listing_listingentry.updated_by_id",
    )
    other = Household.objects.filter(campaign=world.campaign).exclude(pk=entry.household_id)[0]
    ListingEntry.objects.filter(pk=entry.pk).update(status="7", merged_into=other)
    ListingEntry.objects.filter(household=other).delete()
    _refused(
        _sql("DELETE FROM register_household WHERE id = %s", [other.pk]),
        "listing_listingentry.merged_into_id",
    )
