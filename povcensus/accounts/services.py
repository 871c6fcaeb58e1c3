"""Writes to accounts: users, role grants, passwords.

Every service takes the acting user first, runs in one transaction, checks the actor's
scope, and records its audit event in that transaction.  Passwords never reach the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from povcensus.accounts import errors
from povcensus.accounts.models import RoleGrant, User
from povcensus.accounts.passwords import generate_initial_password
from povcensus.accounts.roles import ROLE_LABELS, ROLES_WITH_HOME_TOWNSHIP, Perm, Role
from povcensus.accounts.scope import scope_forget, scope_of
from povcensus.audit.services import audit_record
from povcensus.core.errors import ApplicationError
from povcensus.geography import codes
from povcensus.geography.models import Area

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{3,30}$")

# Later apps veto a home-township change that would break one of their rules (the
# assignment app: 乡级交叉 for units already assigned to the user's team).  Each check is
# called as ``check(user=..., township_code=...)`` and raises an ApplicationError.
HOME_TOWNSHIP_CHECKS: list[Callable[..., None]] = []


def register_home_township_check(check: Callable[..., None]) -> None:
    if check not in HOME_TOWNSHIP_CHECKS:
        HOME_TOWNSHIP_CHECKS.append(check)


PHONE_RE = re.compile(r"^1\d{10}$")


def check_can_grant(*, actor: Any, role: Role, area_code: str | None) -> None:
    """Refuse unless ``actor`` may manage users over ``area_code`` and hand out ``role``."""
    scope = scope_of(actor)
    if role == Role.SYSTEM_ADMIN and not scope.has_role(Role.SYSTEM_ADMIN):
        raise ApplicationError(errors.ROLE_NOT_GRANTABLE, role=ROLE_LABELS[role])
    if area_code is None:
        if scope.areas_for(Perm.USER_MANAGE) != [None]:
            raise ApplicationError(errors.OUT_OF_SCOPE_GRANT, area="全国")
        return
    if not scope.allows(Perm.USER_MANAGE, area_code):
        raise ApplicationError(errors.OUT_OF_SCOPE_GRANT, area=area_code)


@dataclass(frozen=True)
class UserSpec:
    """What a new account needs; validated by :func:`user_spec_check`."""

    username: str
    full_name: str
    phone: str
    role: Role
    area_code: str | None
    home_township_code: str | None


def user_spec_check(spec: UserSpec, *, areas: dict[str, Area]) -> list[ApplicationError]:
    """Return every problem with ``spec`` (no database writes; ``areas`` maps code → Area)."""
    problems: list[ApplicationError] = []
    if not USERNAME_RE.match(spec.username):
        problems.append(ApplicationError(errors.BAD_USERNAME, username=spec.username))
    if not spec.full_name.strip():
        problems.append(ApplicationError(errors.NAME_REQUIRED))
    if spec.phone and not PHONE_RE.match(spec.phone):
        problems.append(ApplicationError(errors.BAD_PHONE, phone=spec.phone))
    if spec.area_code is not None and spec.area_code not in areas:
        problems.append(ApplicationError(errors.UNKNOWN_AREA, code=spec.area_code))
    if spec.role in ROLES_WITH_HOME_TOWNSHIP:
        if not spec.home_township_code:
            problems.append(
                ApplicationError(errors.HOME_TOWNSHIP_REQUIRED, role=ROLE_LABELS[spec.role])
            )
        elif spec.home_township_code not in areas:
            problems.append(ApplicationError(errors.UNKNOWN_AREA, code=spec.home_township_code))
        elif areas[spec.home_township_code].level != codes.Level.TOWNSHIP:
            problems.append(
                ApplicationError(errors.HOME_NOT_TOWNSHIP, code=spec.home_township_code)
            )
    elif spec.home_township_code and spec.home_township_code not in areas:
        problems.append(ApplicationError(errors.UNKNOWN_AREA, code=spec.home_township_code))
    return problems


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "home_township": user.home_township_id,
        "is_active": user.is_active,
    }


def user_create_unchecked(
    *, actor: Any, spec: UserSpec, password: str | None = None
) -> tuple[User, str]:
    """Create the account and its grant; the caller has checked ``spec`` and the actor.

    Writes: ``User`` (must change password at first login), ``RoleGrant``;
    audit ``accounts.user_created``.
    """
    password = password or generate_initial_password()
    user = User(
        username=spec.username,
        full_name=spec.full_name.strip(),
        phone=spec.phone,
        home_township_id=spec.home_township_code or None,
        must_change_password=True,
    )
    user.set_password(password)
    user.save()
    RoleGrant.objects.create(user=user, role=spec.role.value, area_id=spec.area_code)
    audit_record(
        actor=actor,
        action="accounts.user_created",
        object_type="user",
        object_id=user.pk,
        area_code=spec.area_code or "",
        after={**_user_snapshot(user), "role": spec.role.value, "area": spec.area_code},
    )
    return user, password


@transaction.atomic
def user_create(*, actor: Any, spec: UserSpec) -> tuple[User, str]:
    """Create one account with a generated initial password (returned, shown once).

    Raises: ``accounts.*`` validation codes, ``accounts.username_taken``,
    ``accounts.grant_out_of_scope``, ``accounts.role_not_grantable``.
    """
    check_can_grant(actor=actor, role=spec.role, area_code=spec.area_code)
    wanted = {c for c in (spec.area_code, spec.home_township_code) if c}
    areas = {a.code: a for a in Area.objects.filter(code__in=wanted)}
    problems = user_spec_check(spec, areas=areas)
    if problems:
        raise problems[0]
    if User.objects.filter(username__iexact=spec.username).exists():
        raise ApplicationError(errors.USERNAME_TAKEN, username=spec.username)
    return user_create_unchecked(actor=actor, spec=spec)


@transaction.atomic
def grant_add(*, actor: Any, user: User, role: Role, area_code: str | None) -> RoleGrant:
    check_can_grant(actor=actor, role=role, area_code=area_code)
    if area_code is not None and not Area.objects.filter(code=area_code).exists():
        raise ApplicationError(errors.UNKNOWN_AREA, code=area_code)
    if role in ROLES_WITH_HOME_TOWNSHIP and user.home_township_id is None:
        raise ApplicationError(errors.HOME_TOWNSHIP_REQUIRED, role=ROLE_LABELS[role])
    grant, _ = RoleGrant.objects.get_or_create(user=user, role=role.value, area_id=area_code)
    scope_forget(user)
    audit_record(
        actor=actor,
        action="accounts.grant_added",
        object_type="user",
        object_id=user.pk,
        area_code=area_code or "",
        after={"role": role.value, "area": area_code},
    )
    return grant


@transaction.atomic
def grant_remove(*, actor: Any, grant: RoleGrant) -> None:
    check_can_grant(actor=actor, role=Role(grant.role), area_code=grant.area_id)
    before = {"role": grant.role, "area": grant.area_id}
    user_id = grant.user_id
    grant.delete()
    audit_record(
        actor=actor,
        action="accounts.grant_removed",
        object_type="user",
        object_id=user_id,
        area_code=before["area"] or "",
        before=before,
    )


@transaction.atomic
def user_update(
    *, actor: Any, user: User, full_name: str, phone: str, home_township_code: str | None
) -> User:
    before = _user_snapshot(user)
    if phone and not PHONE_RE.match(phone):
        raise ApplicationError(errors.BAD_PHONE, phone=phone)
    if not full_name.strip():
        raise ApplicationError(errors.NAME_REQUIRED)
    if home_township_code:
        area = Area.objects.filter(code=home_township_code).first()
        if area is None:
            raise ApplicationError(errors.UNKNOWN_AREA, code=home_township_code)
        if area.level != codes.Level.TOWNSHIP:
            raise ApplicationError(errors.HOME_NOT_TOWNSHIP, code=home_township_code)
    if (home_township_code or None) != user.home_township_id:
        for check in HOME_TOWNSHIP_CHECKS:
            check(user=user, township_code=home_township_code or None)
    user.full_name, user.phone = full_name.strip(), phone
    user.home_township_id = home_township_code or None
    user.save(update_fields=["full_name", "phone", "home_township"])
    audit_record(
        actor=actor,
        action="accounts.user_updated",
        object_type="user",
        object_id=user.pk,
        before=before,
        after=_user_snapshot(user),
    )
    return user


@transaction.atomic
def user_set_active(*, actor: Any, user: User, active: bool) -> User:
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="accounts.user_deactivated" if not active else "accounts.user_updated",
        object_type="user",
        object_id=user.pk,
        before=before,
        after=_user_snapshot(user),
    )
    return user


@transaction.atomic
def password_reset(*, actor: Any, user: User) -> str:
    """Give ``user`` a new initial password (returned once) and force a change at login."""
    password = generate_initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor, action="accounts.password_reset", object_type="user", object_id=user.pk
    )
    return password


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ApplicationError(errors.PASSWORD_WRONG)
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ApplicationError(errors.PASSWORD_WEAK, reasons="；".join(exc.messages)) from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=user, action="accounts.password_changed", object_type="user", object_id=user.pk
    )
