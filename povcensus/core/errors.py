"""Application errors: a stable code, a message in the user's language, details, a status.

Every app declares its codes in its own ``errors.py`` as module-level ``ErrorCode``
constants; :data:`REGISTRY` refuses a code declared twice, so codes stay unique across the
project.  Services raise ``ApplicationError(SOME_CODE, key=value, ...)``; the details are
interpolated into the message (``%(key)s``) and returned to API clients unchanged.
One renderer turns them into JSON (``core.api``), one into pages (``core.middleware``),
and OpenRosa endpoints into OpenRosaResponse XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REGISTRY: dict[str, ErrorCode] = {}


@dataclass(frozen=True)
class ErrorCode:
    code: str
    message: str | Promise
    status: int = 400

    def __post_init__(self) -> None:
        if self.code in REGISTRY:
            raise ValueError(f"error code {self.code!r} is declared twice")
        REGISTRY[self.code] = self

    def render(self, details: dict[str, Any]) -> str:
        template = str(self.message)
        try:
            return template % details if details else template
        except (KeyError, TypeError, ValueError):
            return template


class ApplicationError(Exception):
    """A refusal the user can act on: bad input, a broken rule, a conflict, not found."""

    def __init__(self, error: ErrorCode, /, **details: Any) -> None:
        self.error = error
        self.details = details
        super().__init__(f"{error.code}: {error.render(details)}")

    @property
    def code(self) -> str:
        return self.error.code

    @property
    def status(self) -> int:
        return self.error.status

    @property
    def message(self) -> str:
        """The message in the currently active language."""
        return self.error.render(self.details)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "details": {k: _jsonable(v) for k, v in self.details.items()},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


NOT_FOUND = ErrorCode("core.not_found", _("未找到该对象，或您无权查看。"), 404)
PERMISSION_DENIED = ErrorCode("core.permission_denied", _("您没有执行此操作的权限。"), 403)
CONFLICT = ErrorCode("core.conflict", _("该记录已被他人修改，请刷新后重试。"), 409)
INVALID_INPUT = ErrorCode("core.invalid_input", _("输入有误：%(reason)s"), 400)
