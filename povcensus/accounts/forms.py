"""Request-shape validation for account pages (rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from povcensus.accounts.models import RoleChoices


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=30)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=RoleChoices.choices)
    area_code = forms.CharField(
        label=_("工作区划代码"),
        max_length=15,
        required=False,
        help_text=_("留空表示全国（仅系统管理员可授予）"),
    )
    home_township_code = forms.CharField(
        label=_("所在乡镇代码"),
        max_length=15,
        required=False,
        help_text=_("调查员、调查指导员必填，用于乡级交叉"),
    )


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    home_township_code = forms.CharField(label=_("所在乡镇代码"), max_length=15, required=False)


class GrantForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=RoleChoices.choices)
    area_code = forms.CharField(label=_("工作区划代码"), max_length=15, required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=_("再次输入新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            raise forms.ValidationError(_("两次输入的新密码不一致。"), code="mismatch")
        return data
