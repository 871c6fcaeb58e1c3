"""OpenRosa responses: the headers Collect checks and the OpenRosaResponse body.

Collect treats a formList or manifest as OpenRosa only with an ``X-OpenRosa-Version``
header and a Content-Type containing ``text/xml`` (tech-notes §1.2), and shows the
``<message>`` of any OpenRosaResponse body to the enumerator.
"""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import translation

from povcensus.core.errors import ApplicationError

XML_CONTENT_TYPE = "text/xml; charset=utf-8"


def with_openrosa_headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = formatdate(usegmt=True)
    response["Content-Language"] = translation.get_language() or "zh-hans"
    return response


def openrosa_xml(body: str, *, status: int = 200) -> HttpResponse:
    return with_openrosa_headers(
        HttpResponse(body.encode("utf-8"), status=status, content_type=XML_CONTENT_TYPE)
    )


def openrosa_message(message: str, *, status: int, nature: str = "") -> HttpResponse:
    nature_attr = f' nature="{escape(nature)}"' if nature else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{nature_attr}>{escape(message)}</message></OpenRosaResponse>"
    )
    return openrosa_xml(body, status=status)


def openrosa_error(error: ApplicationError) -> HttpResponse:
    """An ApplicationError as an OpenRosaResponse: the message, then its code in brackets."""
    response = openrosa_message(
        f"{error.message} [{error.code}]", status=error.status, nature="error"
    )
    response["X-Povcensus-Error-Code"] = error.code
    return response
