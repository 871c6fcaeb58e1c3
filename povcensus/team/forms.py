from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StaffImportForm(forms.Form):
    file = forms.FileField(label=_("调查人员账号表（XLSX 或 CSV）"))


class TeamForm(forms.Form):
    code = forms.CharField(label=_("小组编号"), max_length=20)
    name = forms.CharField(label=_("小组名称"), max_length=50, required=False)
    posted_area_code = forms.CharField(label=_("派驻区划代码（乡镇或县区）"), max_length=15)
    supervisor = forms.CharField(label=_("调查指导员用户名"), max_length=30)
    enumerator_1 = forms.CharField(label=_("调查员1 用户名"), max_length=30)
    enumerator_2 = forms.CharField(label=_("调查员2 用户名"), max_length=30)
    daily_capacity = forms.IntegerField(
        label=_("每日可调查户数"), min_value=1, max_value=50, initial=8
    )
