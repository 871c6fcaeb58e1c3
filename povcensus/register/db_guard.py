"""The register's references enforced by set-based triggers (``core.db_references``).

Members name their household, households their campaign and village.  These foreign keys
carry no database constraint: the triggers below check them once per statement on
PostgreSQL, so importing millions of members costs a few joins instead of a lookup per row
at commit (decision 0021).  Deleting a household deletes its members (``CASCADE``);
deleting a campaign or a village that households name is refused (``PROTECT``).
"""

from povcensus.core.db_references import Reference, ReferenceGuard

GUARD = ReferenceGuard(
    prefix="register_refs",
    references=(
        Reference("register_member", "household_id", "register_household", on_delete="cascade"),
        Reference("register_household", "campaign_id", "campaign_campaign"),
        Reference("register_household", "village_code", "geography_area", key="code"),
    ),
    migration=("register", "0003_set_based_references"),
)
