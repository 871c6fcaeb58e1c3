"""The schema of an XForm: its fields, types, choice lists, repeats and binds (pure, lxml only).

Exports, the submission store and the rule engine read a form through this module, never
through pyxform or the XLSForm.  Invariants:

* :func:`extract_schema` reads only the XForm XML (and, optionally, the CSV files it
  loads); it imports no ORM and no HTTP code and never evaluates an expression.
* ``FormSchema.fields`` lists every data node of the primary instance in document
  (depth-first) order, groups and repeats included, except the ``jr:template`` copies of
  repeats; ``meta`` nodes (instanceID …) are fields of kind ``meta``.
* A field's ``path`` is its absolute XPath without positions (``/data/members/m_name``);
  its ``repeat`` is the path of the innermost repeat holding it, or ``None``.
* Labels are dictionaries keyed by the form's language names (``中文 (zh)``,
  ``English (en)``); a form without translations uses the key ``""``.
* Choice lists come from the form's inline instances (``instance('yes_no')``), from the
  ``<item>`` elements of a control, or from a CSV file (``jr://file-csv/x.csv``) when its
  bytes are given; a CSV list has one label language (its ``label`` column).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ODK = "http://www.opendatakit.org/xforms"
NS = {"xf": XF, "h": H, "jr": JR, "odk": ODK}

_ITEXT_LITERAL = re.compile(r"^jr:itext\('([^']+)'\)$")
_INSTANCE_REF = re.compile(r"instance\('([^']+)'\)")
_CONTROLS = {
    "input": "input",
    "select1": "select_one",
    "select": "select_multiple",
    "upload": "upload",
    "trigger": "trigger",
    "range": "range",
    "rank": "rank",
}


@dataclass(frozen=True)
class Choice:
    value: str
    labels: dict[str, str]

    def label(self, language: str | None = None) -> str:
        if language and language in self.labels:
            return self.labels[language]
        return next(iter(self.labels.values()), self.value)


@dataclass(frozen=True)
class Field:
    """One node of the primary instance and what the form says about it."""

    name: str
    path: str
    kind: str  # group, repeat, input, select_one, select_multiple, upload, calculate, note, preload, meta …
    type: str  # the bind type: string, int, decimal, date, geopoint, binary … ("" for groups)
    repeat: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    choice_list: str | None = None  # instance id of the choices, or the CSV file name
    appearance: str = ""
    mediatype: str = ""
    relevant: str | None = None
    constraint: str | None = None
    constraint_messages: dict[str, str] = field(default_factory=dict)
    required: str | None = None  # an expression ("true()" when always required)
    required_messages: dict[str, str] = field(default_factory=dict)
    calculate: str | None = None
    readonly: str | None = None
    preload: str | None = None

    @property
    def select_multiple(self) -> bool:
        return self.kind == "select_multiple"

    @property
    def is_container(self) -> bool:
        return self.kind in ("group", "repeat")

    def label(self, language: str | None = None) -> str:
        if language and language in self.labels:
            return self.labels[language]
        return next(iter(self.labels.values()), self.name)


@dataclass(frozen=True)
class Repeat:
    path: str
    name: str
    parent: str | None  # the enclosing repeat's path
    count: str | None  # jr:count expression, if any


@dataclass(frozen=True)
class FormSchema:
    form_id: str
    version: str
    title: str
    languages: tuple[str, ...]
    default_language: str | None
    fields: tuple[Field, ...]
    repeats: tuple[Repeat, ...]
    choice_lists: dict[str, tuple[Choice, ...]]
    external_files: tuple[str, ...]

    def field(self, name: str) -> Field:
        """The field named ``name`` (names are unique in the built-in forms)."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def by_path(self, path: str) -> Field:
        for candidate in self.fields:
            if candidate.path == path:
                return candidate
        raise KeyError(path)

    def data_fields(self) -> list[Field]:
        """Fields that hold answers or calculated values (no groups, repeats, notes, meta)."""
        return [f for f in self.fields if f.kind not in ("group", "repeat", "note", "meta")]

    def choices(self, field_name: str) -> tuple[Choice, ...]:
        list_name = self.field(field_name).choice_list
        return self.choice_lists.get(list_name or "", ())


class SchemaError(ValueError):
    """The document is not an XForm this module understands."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _itext(model: etree._Element) -> tuple[dict[str, dict[str, str]], tuple[str, ...], str | None]:
    texts: dict[str, dict[str, str]] = {}
    languages: list[str] = []
    default = None
    for translation in model.iterfind("xf:itext/xf:translation", NS):
        lang = translation.get("lang", "")
        languages.append(lang)
        if translation.get("default") is not None:
            default = lang
        for text in translation.iterfind("xf:text", NS):
            value = text.find("xf:value[@form]", NS)
            plain = [v for v in text.iterfind("xf:value", NS) if v.get("form") is None]
            chosen = plain[0] if plain else value
            if chosen is None:
                continue
            texts.setdefault(text.get("id", ""), {})[lang] = "".join(chosen.itertext()).strip()
    return texts, tuple(languages), default or (languages[0] if languages else None)


def _text_of(element: etree._Element | None, texts: dict[str, dict[str, str]]) -> dict[str, str]:
    if element is None:
        return {}
    ref = element.get("ref")
    if ref and (match := _ITEXT_LITERAL.match(ref)):
        return dict(texts.get(match.group(1), {}))
    plain = "".join(element.itertext()).strip()
    return {"": plain} if plain else {}


def _message(value: str | None, texts: dict[str, dict[str, str]]) -> dict[str, str]:
    if not value:
        return {}
    if match := _ITEXT_LITERAL.match(value):
        return dict(texts.get(match.group(1), {}))
    return {"": value}


def _csv_choices(content: bytes) -> tuple[Choice, ...]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return tuple(
        Choice(value=row.get("name", ""), labels={"": row.get("label", "")}) for row in reader
    )


def extract_schema(
    xform: str | bytes, *, external: Mapping[str, bytes] | None = None
) -> FormSchema:
    """Read the schema of ``xform``; ``external`` maps CSV file names to their bytes."""
    data = xform.encode("utf-8") if isinstance(xform, str) else xform
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SchemaError(f"not well-formed XML: {error}") from error
    model = root.find("h:head/xf:model", NS)
    body = root.find("h:body", NS)
    if model is None or body is None:
        raise SchemaError("no XForm model or body")
    title_element = root.find("h:head/h:title", NS)
    title = (title_element.text or "").strip() if title_element is not None else ""
    texts, languages, default_language = _itext(model)

    instances = model.findall("xf:instance", NS)
    primary = next((i for i in instances if i.get("id") is None), None)
    if primary is None or len(primary) == 0:
        raise SchemaError("no primary instance")
    data_root = primary[0]

    # Choice lists: inline instances, then external CSVs.
    choice_lists: dict[str, tuple[Choice, ...]] = {}
    external_files: list[str] = []
    external_ids: dict[str, str] = {}
    for instance in instances:
        instance_id = instance.get("id")
        if instance_id is None:
            continue
        src = instance.get("src")
        if src:
            filename = src.rsplit("/", 1)[-1]
            external_files.append(filename)
            external_ids[instance_id] = filename
            if external and filename in external and filename.endswith(".csv"):
                choice_lists[filename] = _csv_choices(external[filename])
            continue
        items = []
        for item in instance.iterfind("xf:root/xf:item", NS):
            value = item.findtext("xf:name", default="", namespaces=NS)
            itext_id = item.findtext("xf:itextId", default=None, namespaces=NS)
            if itext_id:
                labels = dict(texts.get(itext_id, {}))
            else:
                labels = {"": item.findtext("xf:label", default="", namespaces=NS)}
            items.append(Choice(value=value, labels=labels))
        choice_lists[instance_id] = tuple(items)

    binds: dict[str, dict[str, str]] = {}
    for bind in model.iterfind("xf:bind", NS):
        nodeset = bind.get("nodeset", "")
        binds[nodeset] = {
            etree.QName(k).localname if k.startswith("{") else k: v for k, v in bind.attrib.items()
        }
        for key, value in bind.attrib.items():
            qname = etree.QName(key)
            if qname.namespace == JR:
                binds[nodeset][f"jr:{qname.localname}"] = value

    # Body controls by ref.
    controls: dict[str, etree._Element] = {}
    repeat_elements: dict[str, etree._Element] = {}
    for element in body.iter():
        if not isinstance(element.tag, str):
            continue
        name = _local(element)
        if name == "repeat":
            repeat_elements[element.get("nodeset", "")] = element
        elif name in _CONTROLS or name == "group":
            ref = element.get("ref")
            if ref:
                controls.setdefault(ref, element)

    fields: list[Field] = []
    repeats: list[Repeat] = []
    seen_repeat_paths: set[str] = set()

    def walk(node: etree._Element, path: str, repeat: str | None, in_meta: bool) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            child_name = _local(child)
            child_path = f"{path}/{child_name}"
            is_repeat = child_path in repeat_elements
            if is_repeat:
                if child_path in seen_repeat_paths:
                    continue  # the template and the first instance describe the same repeat
                seen_repeat_paths.add(child_path)
            bind = binds.get(child_path, {})
            control = controls.get(child_path)
            meta = in_meta or child_name == "meta"
            if is_repeat:
                kind = "repeat"
                repeat_element = repeat_elements[child_path]
                parent_group = repeat_element.getparent()
                label_element = (
                    parent_group.find("xf:label", NS)
                    if parent_group is not None and _local(parent_group) == "group"
                    else repeat_element.find("xf:label", NS)
                )
                count = repeat_element.get(f"{{{JR}}}count")
                repeats.append(
                    Repeat(
                        path=child_path,
                        name=child_name,
                        parent=repeat,
                        count=count.strip() if count else None,
                    )
                )
            elif meta:
                kind, label_element = "meta", None
            elif len(child) > 0 or (control is not None and _local(control) == "group"):
                kind = "group"
                label_element = control.find("xf:label", NS) if control is not None else None
            elif control is not None:
                kind = _CONTROLS.get(_local(control), "input")
                label_element = control.find("xf:label", NS)
                # pyxform writes a note as a read-only string input without a calculation.
                if (
                    kind == "input"
                    and bind.get("readonly") == "true()"
                    and "calculate" not in bind
                    and bind.get("type", "string") == "string"
                ):
                    kind = "note"
            elif "calculate" in bind:
                kind, label_element = "calculate", None
            elif bind.get("jr:preload"):
                kind, label_element = "preload", None  # start, end, today, deviceid …
            else:
                kind, label_element = "hidden", None
            choice_list = None
            if control is not None and kind in ("select_one", "select_multiple", "rank"):
                itemset = control.find("xf:itemset", NS)
                if itemset is not None:
                    match = _INSTANCE_REF.search(itemset.get("nodeset", ""))
                    if match:
                        instance_id = match.group(1)
                        choice_list = external_ids.get(instance_id, instance_id)
                else:
                    inline = tuple(
                        Choice(
                            value=item.findtext("xf:value", default="", namespaces=NS),
                            labels=_text_of(item.find("xf:label", NS), texts),
                        )
                        for item in control.iterfind("xf:item", NS)
                    )
                    choice_list = child_path
                    choice_lists[child_path] = inline
            fields.append(
                Field(
                    name=child_name,
                    path=child_path,
                    kind=kind,
                    type="" if kind in ("group", "repeat") else bind.get("type", "string"),
                    repeat=repeat,
                    labels=_text_of(label_element, texts),
                    hints=_text_of(control.find("xf:hint", NS), texts)
                    if control is not None
                    else {},
                    choice_list=choice_list,
                    appearance=(control.get("appearance", "") if control is not None else ""),
                    mediatype=(control.get("mediatype", "") if control is not None else ""),
                    relevant=bind.get("relevant"),
                    constraint=bind.get("constraint"),
                    constraint_messages=_message(bind.get("jr:constraintMsg"), texts),
                    required=bind.get("required")
                    if bind.get("required") not in (None, "false()")
                    else None,
                    required_messages=_message(bind.get("jr:requiredMsg"), texts),
                    calculate=bind.get("calculate"),
                    readonly=bind.get("readonly"),
                    preload=bind.get("jr:preload"),
                )
            )
            if len(child) > 0:
                walk(child, child_path, child_path if is_repeat else repeat, meta)

    walk(data_root, f"/{_local(data_root)}", None, False)
    return FormSchema(
        form_id=data_root.get("id", ""),
        version=data_root.get("version", ""),
        title=title,
        languages=languages,
        default_language=default_language,
        fields=tuple(fields),
        repeats=tuple(repeats),
        choice_lists=choice_lists,
        external_files=tuple(external_files),
    )
