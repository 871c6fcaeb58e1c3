"""Reading an OpenRosa submission's XML safely (pure: no ORM, no HTTP).

Invariants:

* a document with a DTD (``<!DOCTYPE`` / ``<!ENTITY``) is refused before parsing: ODK
  instances never carry one, and refusing it removes external-entity and entity-expansion
  attacks outright; the parser is also configured not to resolve entities, not to load a
  DTD and not to touch the network;
* documents larger than ``max_bytes`` are refused before parsing;
* the envelope is everything the server must know before touching the database: form id,
  version, instanceID, deprecatedID, instanceName, and the SHA-256 of the exact bytes
  (identical re-sends are recognised by it).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

OPENROSA_XFORMS_NS = "http://openrosa.org/xforms"
DEFAULT_MAX_XML_BYTES = 4 * 1024 * 1024
_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class EnvelopeError(Exception):
    """The XML cannot be accepted; ``reason`` is one of the module's reason codes."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason  # "too_large", "dtd", "malformed", "no_form_id", "no_instance_id"
        self.detail = detail


@dataclass(frozen=True)
class Envelope:
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str
    instance_name: str
    root: Any  # the parsed lxml root element
    sha256: str


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def _meta_text(root: Any, name: str) -> str:
    # pyxform writes <meta> without a namespace; older forms use orx:meta.
    for path in (f"meta/{name}", f"{{{OPENROSA_XFORMS_NS}}}meta/{{{OPENROSA_XFORMS_NS}}}{name}"):
        value = root.findtext(path)
        if value:
            return value.strip()
    return ""


def read_envelope(data: bytes, *, max_bytes: int = DEFAULT_MAX_XML_BYTES) -> Envelope:
    """Parse ``data`` and return its envelope, or raise :class:`EnvelopeError`."""
    if len(data) > max_bytes:
        raise EnvelopeError("too_large", str(len(data)))
    if _DTD_MARKERS.search(data):
        raise EnvelopeError("dtd")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise EnvelopeError("malformed", str(exc)) from None
    form_id = (root.get("id") or "").strip()
    if not form_id:
        raise EnvelopeError("no_form_id")
    instance_id = _meta_text(root, "instanceID")
    if not instance_id:
        raise EnvelopeError("no_instance_id")
    return Envelope(
        form_id=form_id,
        version=(root.get("version") or "").strip(),
        instance_id=instance_id,
        deprecated_id=_meta_text(root, "deprecatedID"),
        instance_name=_meta_text(root, "instanceName"),
        root=root,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def flatten_instance(
    root: Any, *, repeats: frozenset[str]
) -> tuple[dict[str, str], dict[str, list[dict[str, str]]]]:
    """Return (fields, repeat rows) of an instance; group nesting is dropped.

    XLSForm names are unique within a form, so leaf names identify fields whatever group
    they sit in.  Elements named in ``repeats`` become rows (one dict per occurrence, with
    their own nested groups flattened).  ``meta`` children are kept as ``meta/<name>``.
    A field absent from the instance (not relevant) is absent from the result.
    """
    fields: dict[str, str] = {}
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in repeats}

    def walk(element: Any, into: dict[str, str], prefix: str = "") -> None:
        for child in element:
            name = child.tag
            if type(name) is not str:  # a comment or processing instruction
                continue
            if name[0] == "{":  # namespaced (orx:meta): keep the local name
                name = name[name.index("}") + 1 :]
            if name in repeats:
                row: dict[str, str] = {}
                walk(child, row)
                rows[name].append(row)
            elif len(child):
                walk(child, into, "meta/" if name == "meta" else prefix)
            else:
                into[prefix + name] = (child.text or "").strip()

    walk(root, fields)
    return fields, rows
