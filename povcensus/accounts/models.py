"""Staff accounts and their role grants.

A grant binds one role to one area (or to the whole country when ``area`` is empty) and
covers that area's subtree.  Enumerators and supervisors have a home township: the
cross-township rule (乡级交叉) forbids them to work there.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from povcensus.accounts.roles import ROLE_LABELS, Role


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    home_township = models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在乡镇"),
    )
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    language = models.CharField(
        _("界面语言"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )
    # MD5(username:realm:password) for OpenRosa Digest authentication (ODK Collect over
    # plain HTTP can only do Digest).  Password-equivalent: see decision 0008.
    openrosa_ha1 = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username}（{self.username}）"

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        """Hash the password, and keep the Digest HA1 that ODK Collect needs in step."""
        super().set_password(raw_password)
        if raw_password is None:
            self.openrosa_ha1 = ""
            return
        from django.conf import settings

        from povcensus.core.digest import ha1_for

        self.openrosa_ha1 = ha1_for(self.username, settings.POVCENSUS_OPENROSA_REALM, raw_password)


RoleChoices = models.TextChoices(  # type: ignore[call-overload]
    "RoleChoices", [(role.value, (role.value, ROLE_LABELS[role])) for role in Role]
)


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=32, choices=RoleChoices)
    area = models.ForeignKey(
        "geography.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("工作区划"),
        help_text=_("留空表示全国"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role", "area"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="accounts_grant_unique"),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(area__isnull=True),
                name="accounts_grant_unique_national",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="accounts_grant_known_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.area_id or '全国'}"
