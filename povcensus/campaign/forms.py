from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from povcensus.campaign.models import PhaseKind


class CampaignForm(forms.Form):
    code = forms.SlugField(label=_("项目代码"), max_length=40)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    area_code = forms.CharField(label=_("调查范围（区划代码）"), max_length=15)
    year = forms.IntegerField(label=_("调查年度"), min_value=2014, max_value=2100)
    reference_date = forms.DateField(
        label=_("标准时点"), widget=forms.DateInput(attrs={"type": "date"})
    )
    income_line = forms.DecimalField(
        label=_("收入标准线（元/人·年）"),
        required=False,
        min_value=1,
        help_text=_("留空则使用该年度该省（或全国）的标准线"),
    )


class PhaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("阶段"), choices=PhaseKind.choices)
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
