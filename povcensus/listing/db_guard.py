"""The listing's references enforced by set-based triggers (``core.db_references``).

A listing entry names its household (one entry per household), its village's listing and,
rarely, the household it was merged into and the user who last edited it.  The import
creates an entry per household in one statement; these foreign keys carry no database
constraint, the triggers check them once per statement (decision 0021).  Deleting a
household or user that entries name is refused (``PROTECT``); deleting a village listing
deletes its entries (``CASCADE``).
"""

from povcensus.core.db_references import Reference, ReferenceGuard

GUARD = ReferenceGuard(
    prefix="listing_refs",
    references=(
        Reference("listing_listingentry", "household_id", "register_household"),
        Reference(
            "listing_listingentry", "listing_id", "listing_villagelisting", on_delete="cascade"
        ),
        Reference("listing_listingentry", "merged_into_id", "register_household"),
        Reference("listing_listingentry", "updated_by_id", "accounts_user"),
    ),
    migration=("listing", "0003_set_based_references"),
)
