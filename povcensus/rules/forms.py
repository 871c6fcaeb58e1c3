from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".yaml,.yml"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class RuleBookUploadForm(forms.Form):
    files = MultipleFileField(label=_("规则库文件（YAML，可多选）"))  # type: ignore[assignment]
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
    activate = forms.BooleanField(label=_("上传后立即生效"), required=False)
