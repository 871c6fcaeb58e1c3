"""Division tree over the JSON API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from povcensus.geography.selectors import area_children, area_get

router = Router(tags=["geography"])


class AreaOut(Schema):
    code: str
    name: str
    level: int
    is_current: bool
    successor_code: str | None
    parent_code: str | None


def _out(area: object) -> AreaOut:
    return AreaOut(
        code=area.code,  # type: ignore[attr-defined]
        name=area.name,  # type: ignore[attr-defined]
        level=area.level,  # type: ignore[attr-defined]
        is_current=area.is_current,  # type: ignore[attr-defined]
        successor_code=area.successor_id,  # type: ignore[attr-defined]
        parent_code=area.parent_id,  # type: ignore[attr-defined]
    )


@router.get("/areas/{code}", response=AreaOut, summary="One area")
def area_read(request: HttpRequest, code: str) -> AreaOut:
    return _out(area_get(code=code))


@router.get(
    "/areas/{code}/children",
    response=list[AreaOut],
    summary="Children of an area ('root' for the top)",
)
def area_children_read(request: HttpRequest, code: str) -> list[AreaOut]:
    return [_out(a) for a in area_children(code=None if code == "root" else code)]
