"""Roles, permissions and which role holds which permission (pure: no ORM, no HTTP).

A user holds roles through grants bound to an area; a grant covers the area's whole
subtree.  Some permissions also need the grant to sit at or above a level: the township
check needs a township (or higher) grant, county acceptance a county (or higher) one.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from povcensus.geography.codes import Level


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"  # 系统管理员: accounts, settings; no fieldwork
    OFFICE = "office"  # 普查办工作人员 (township, county, prefecture or province office)
    VILLAGE_CADRE = "village_cadre"  # 村两委 / 驻村工作队: listing, appointments, guides
    ENUMERATOR = "enumerator"  # 调查员: collects assigned households, initial review
    SUPERVISOR = "supervisor"  # 调查指导员: second review of their teams' cases
    ACCEPTANCE_REVIEWER = "acceptance_reviewer"  # 审核验收员: county / province acceptance
    ANALYST = "analyst"  # 数据分析员: aggregates only, never personal data


ROLE_LABELS: dict[Role, Promise] = {
    Role.SYSTEM_ADMIN: _("系统管理员"),
    Role.OFFICE: _("普查办工作人员"),
    Role.VILLAGE_CADRE: _("村两委/驻村工作队"),
    Role.ENUMERATOR: _("调查员"),
    Role.SUPERVISOR: _("调查指导员"),
    Role.ACCEPTANCE_REVIEWER: _("审核验收员"),
    Role.ANALYST: _("数据分析员"),
}


class Perm(StrEnum):
    AREA_VIEW = "area.view"
    AGGREGATE_VIEW = "aggregate.view"  # counts, rates, charts: no personal data
    USER_MANAGE = "user.manage"
    TEAM_MANAGE = "team.manage"
    CAMPAIGN_MANAGE = "campaign.manage"
    AUDIT_VIEW = "audit.view"
    REGISTER_VIEW = "register.view"  # names, ID numbers, phones of registered households
    REGISTER_IMPORT = "register.import"
    PERSONAL_EXPORT = "personal.export"  # downloads that contain personal data
    LISTING_EDIT = "listing.edit"
    LISTING_SIGN_VILLAGE = "listing.sign_village"
    LISTING_SIGN_TOWNSHIP = "listing.sign_township"
    LISTING_REOPEN = "listing.reopen"
    FORM_MANAGE = "form.manage"
    ASSIGNMENT_MANAGE = "assignment.manage"
    APPOINTMENT_MANAGE = "appointment.manage"
    SUBMISSION_CREATE = "submission.create"
    SUBMISSION_VIEW = "submission.view"
    RULES_MANAGE = "rules.manage"
    REVIEW_INITIAL = "review.initial"
    REVIEW_SUPERVISOR = "review.supervisor"
    REVIEW_TOWNSHIP = "review.township"
    REVIEW_COUNTY = "review.county"
    REVIEW_PROVINCE = "review.province"


ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.SYSTEM_ADMIN: frozenset(
        {
            Perm.AREA_VIEW,
            Perm.AGGREGATE_VIEW,
            Perm.USER_MANAGE,
            Perm.TEAM_MANAGE,
            Perm.CAMPAIGN_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.FORM_MANAGE,
        }
    ),
    Role.OFFICE: frozenset(
        {
            Perm.AREA_VIEW,
            Perm.AGGREGATE_VIEW,
            Perm.USER_MANAGE,
            Perm.TEAM_MANAGE,
            Perm.CAMPAIGN_MANAGE,
            Perm.AUDIT_VIEW,
            Perm.REGISTER_VIEW,
            Perm.REGISTER_IMPORT,
            Perm.PERSONAL_EXPORT,
            Perm.LISTING_EDIT,
            Perm.LISTING_SIGN_TOWNSHIP,
            Perm.LISTING_REOPEN,
            Perm.FORM_MANAGE,
            Perm.ASSIGNMENT_MANAGE,
            Perm.APPOINTMENT_MANAGE,
            Perm.SUBMISSION_CREATE,
            Perm.SUBMISSION_VIEW,
            Perm.RULES_MANAGE,
            Perm.REVIEW_TOWNSHIP,
            Perm.REVIEW_COUNTY,
            Perm.REVIEW_PROVINCE,
        }
    ),
    Role.VILLAGE_CADRE: frozenset(
        {
            Perm.AREA_VIEW,
            Perm.AGGREGATE_VIEW,
            Perm.REGISTER_VIEW,
            Perm.LISTING_EDIT,
            Perm.LISTING_SIGN_VILLAGE,
            Perm.APPOINTMENT_MANAGE,
        }
    ),
    # An enumerator reaches personal data only through the units assigned to their team
    # (assignment selectors), never through an area grant.
    Role.ENUMERATOR: frozenset({Perm.AREA_VIEW, Perm.SUBMISSION_CREATE, Perm.REVIEW_INITIAL}),
    Role.SUPERVISOR: frozenset(
        {
            Perm.AREA_VIEW,
            Perm.AGGREGATE_VIEW,
            Perm.REGISTER_VIEW,
            Perm.SUBMISSION_CREATE,
            Perm.SUBMISSION_VIEW,
            Perm.REVIEW_SUPERVISOR,
        }
    ),
    Role.ACCEPTANCE_REVIEWER: frozenset(
        {
            Perm.AREA_VIEW,
            Perm.AGGREGATE_VIEW,
            Perm.REGISTER_VIEW,
            Perm.SUBMISSION_VIEW,
            Perm.REVIEW_COUNTY,
            Perm.REVIEW_PROVINCE,
        }
    ),
    Role.ANALYST: frozenset({Perm.AREA_VIEW, Perm.AGGREGATE_VIEW}),
}

# The grant must sit at this level or higher (a smaller Level number) for the permission.
MINIMUM_GRANT_LEVEL: dict[Perm, Level] = {
    Perm.LISTING_SIGN_TOWNSHIP: Level.TOWNSHIP,
    Perm.LISTING_REOPEN: Level.TOWNSHIP,
    Perm.REGISTER_IMPORT: Level.TOWNSHIP,
    Perm.ASSIGNMENT_MANAGE: Level.TOWNSHIP,
    Perm.REVIEW_TOWNSHIP: Level.TOWNSHIP,
    Perm.REVIEW_COUNTY: Level.COUNTY,
    Perm.REVIEW_PROVINCE: Level.PROVINCE,
    Perm.CAMPAIGN_MANAGE: Level.TOWNSHIP,
    Perm.FORM_MANAGE: Level.TOWNSHIP,
    Perm.RULES_MANAGE: Level.COUNTY,
}

# Roles that must have a home township (乡级交叉: they may never work in it).
ROLES_WITH_HOME_TOWNSHIP = frozenset({Role.ENUMERATOR, Role.SUPERVISOR})


def role_allows(role: Role, perm: Perm, grant_level: Level | None) -> bool:
    """Whether a grant of ``role`` at ``grant_level`` (None: national) carries ``perm``."""
    if perm not in ROLE_PERMISSIONS[role]:
        return False
    required = MINIMUM_GRANT_LEVEL.get(perm)
    return required is None or grant_level is None or grant_level <= required
