"""The listing (清查摸底): one table per village, signed off by the village and the township.

Each registered household of a village gets one ``ListingEntry`` whose status the
village cadres record (census-domain.md §2.2).  The village committee signs the village's
listing, then the township government; after the township's sign-off the listing is
locked and its entries form the survey roster (调查底册): households to interview, and
non-interview cases that keep their explanation and evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ListingStatus(models.TextChoices):
    """户状态.  Codes as in census-domain.md §2.2 ([inferred] there)."""

    NORMAL = "1", _("正常在户")  # register and interview
    AWAY = "2", _("整户外出")  # reachable by phone or relatives: interview by appointment
    MOVED = "3", _("迁移/易地扶贫搬迁")  # interview at the new address; keep the original village
    DISSOLVED = "4", _("户消亡")  # all members deceased or removed: not interviewed, evidence
    LOST_CONTACT = "5", _("整户失联")  # registration failure, evidence
    REFUSED = "6", _("拒访")  # registration failure, explanation
    MERGED = "7", _("并入其他建档立卡户")  # points at the surviving household
    DUPLICATE = "8", _("重复记录")  # removed from the roster


# The roster (调查底册) once a village's listing is approved.
ROSTER_INTERVIEW = frozenset({ListingStatus.NORMAL, ListingStatus.AWAY, ListingStatus.MOVED})
ROSTER_NON_INTERVIEW = frozenset(
    {ListingStatus.DISSOLVED, ListingStatus.LOST_CONTACT, ListingStatus.REFUSED}
)
NOT_ON_ROSTER = frozenset({ListingStatus.MERGED, ListingStatus.DUPLICATE})
# 说明佐证: these need an explanation and at least one evidence photo.
EVIDENCE_REQUIRED = frozenset({ListingStatus.DISSOLVED, ListingStatus.LOST_CONTACT})
EXPLANATION_REQUIRED = EVIDENCE_REQUIRED | {
    ListingStatus.REFUSED,
    ListingStatus.MERGED,
    ListingStatus.DUPLICATE,
}


class ListingState(models.TextChoices):
    OPEN = "open", _("填报中")  # cadres record statuses
    VILLAGE_SIGNED = "village_signed", _("村委会已审核")  # signed by the village committee
    APPROVED = "approved", _("镇人民政府已审核")  # signed by the township; locked; forms the roster


class VillageListing(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="listings"
    )
    village = models.ForeignKey(
        "geography.Area", on_delete=models.PROTECT, related_name="+", db_column="village_code"
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=ListingState, default=ListingState.OPEN
    )
    village_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    village_signed_at = models.DateTimeField(null=True, blank=True)
    # The names as signed (the electronic seal keeps them even if an account is renamed).
    village_signed_name = models.CharField(_("村委会审核人"), max_length=50, blank=True)
    township_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    township_signed_at = models.DateTimeField(null=True, blank=True)
    township_signed_name = models.CharField(_("镇人民政府审核人"), max_length=50, blank=True)
    # Bumped by every write so that two people editing one village notice each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["campaign", "village_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "village"], name="listing_one_per_village"),
            models.CheckConstraint(
                condition=~models.Q(state="approved")
                | (
                    models.Q(township_signed_by__isnull=False)
                    & models.Q(village_signed_by__isnull=False)
                ),
                name="listing_approved_is_signed_twice",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="village_signed")
                | models.Q(village_signed_by__isnull=False),
                name="listing_village_signed_has_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.village_id} {self.state}"

    def get_absolute_url(self) -> str:
        return reverse("listing:detail", args=[self.pk])


class ListingEntry(models.Model):
    # Both checked by set-based triggers, not per-row constraints: the register import
    # creates an entry per household in one statement (listing.db_guard, decision 0021).
    listing = models.ForeignKey(
        VillageListing, on_delete=models.CASCADE, related_name="entries", db_constraint=False
    )
    household = models.OneToOneField(
        "register.Household",
        on_delete=models.PROTECT,
        related_name="listing_entry",
        db_constraint=False,
    )
    status = models.CharField(
        _("户状态"), max_length=1, choices=ListingStatus, blank=True
    )  # "" = not yet checked
    verified_member_count = models.PositiveSmallIntegerField(_("核实人口数"), null=True, blank=True)
    # Empty on almost every entry (and on all of them when the import creates them):
    # indexed only where set, checked by the same triggers as the two references above.
    merged_into = models.ForeignKey(
        "register.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    explanation = models.TextField(_("情况说明"), blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every save of this entry: a form built from an older revision is refused
    # (core.conflict) instead of overwriting another cadre's work.
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["listing", "household_id"]
        indexes = [
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="listing_entry_merged_into",
            ),
            models.Index(
                fields=["updated_by"],
                condition=models.Q(updated_by__isnull=False),
                name="listing_entry_updated_by",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True) | models.Q(status="7"),
                name="listing_entry_merged_into_only_when_merged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.status}"


class MemberChange(models.TextChoices):
    """Member changes (national system change reasons, census-domain.md §2)."""

    DEATH = "death", _("死亡")
    MARRIED_OUT = "married_out", _("嫁出")
    EMIGRATED = "emigrated", _("出国定居")
    IMPRISONED = "imprisoned", _("判刑收监")
    MOVED_OUT = "moved_out", _("其他转出")
    MARRIED_IN = "married_in", _("嫁入")
    NEWBORN = "newborn", _("新生儿")
    MOVED_IN = "moved_in", _("其他转入")


MEMBER_REMOVALS = frozenset(
    {
        MemberChange.DEATH,
        MemberChange.MARRIED_OUT,
        MemberChange.EMIGRATED,
        MemberChange.IMPRISONED,
        MemberChange.MOVED_OUT,
    }
)


class ListingMemberChange(models.Model):
    entry = models.ForeignKey(ListingEntry, on_delete=models.CASCADE, related_name="member_changes")
    # The change keeps the name and ID number, so it outlives the member's register row
    # (a newer register export may drop the member).
    member = models.ForeignKey(
        "register.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    change = models.CharField(_("变动原因"), max_length=20, choices=MemberChange)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("证件号码"), max_length=22, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.change}"


class ListingEvidence(models.Model):
    """说明佐证: a photo or scan supporting an entry's status."""

    entry = models.ForeignKey(ListingEntry, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="listing/evidence/%Y/%m/")
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "uploaded_at"]

    def __str__(self) -> str:
        return self.file.name or ""


class ListingSheetScan(models.Model):
    """A scan of the signed paper listing sheet, kept for the district's archive."""

    listing = models.ForeignKey(VillageListing, on_delete=models.CASCADE, related_name="scans")
    file = models.FileField(upload_to="listing/scans/%Y/%m/")
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listing", "uploaded_at"]

    def __str__(self) -> str:
        return self.file.name or ""
