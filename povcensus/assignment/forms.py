"""Request shapes of the assignment pages (the services do every domain check)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from povcensus.assignment.models import Document, NonInterviewReason


class AutoAssignForm(forms.Form):
    area = forms.CharField(label=_("分配范围（乡镇或县区代码）"), max_length=15)
    replan = forms.BooleanField(label=_("重新规划尚未开始且未预约的单位"), required=False)


class ApplyForm(AutoAssignForm):
    fingerprint = forms.CharField(max_length=64)


class ReassignForm(forms.Form):
    team = forms.IntegerField(label=_("调整到调查小组"))
    reason = forms.CharField(
        label=_("调整原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(forms.Form):
    team = forms.IntegerField(label=_("分配给调查小组"))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("分配表（XLSX 或 CSV）"))


class AppointmentForm(forms.Form):
    day = forms.DateField(label=_("访问日期"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(
        label=_("结束时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    documents = forms.MultipleChoiceField(
        label=_("需准备的资料"),
        choices=Document.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    reason = forms.CharField(label=_("改约原因"), max_length=500, required=False)


class GuideForm(forms.Form):
    team = forms.IntegerField(label=_("调查小组"))
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("引导人员姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    me = forms.BooleanField(label=_("由我本人引导"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: object, initial: object = None) -> object:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class NonInterviewForm(forms.Form):
    reason = forms.ChoiceField(label=_("未访问原因"), choices=NonInterviewReason.choices)
    explanation = forms.CharField(
        label=_("情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleFileField(
        label=_("佐证照片（JPEG/PNG/WebP，每张不超过 10 MB）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
