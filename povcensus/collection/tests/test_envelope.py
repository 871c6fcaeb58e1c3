"""Reading submission XML: the envelope, safety refusals, flattening (no database)."""

import pytest

from povcensus.collection.openrosa.envelope import EnvelopeError, flatten_instance, read_envelope

GOOD = b"""<?xml version="1.0"?>
<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" id="household" version="2023090801">
  <hh_number>4312021102010001</hh_number>
  <grp><c_enough_food>1</c_enough_food></grp>
  <members><m_name>\xe5\xbc\xa0\xe4\xb8\x89</m_name><m_age>40</m_age></members>
  <members><m_name>\xe6\x9d\x8e\xe5\x9b\x9b</m_name><inner><m_age>12</m_age></inner></members>
  <meta><instanceID>uuid:0d4f6f3e-1b8e-4f59-9d8a-3c6b3a5b8e11</instanceID><instanceName>HH 0001</instanceName></meta>
</data>"""


def test_envelope_reads_ids_and_hash() -> None:
    envelope = read_envelope(GOOD)
    assert (envelope.form_id, envelope.version) == ("household", "2023090801")
    assert envelope.instance_id == "uuid:0d4f6f3e-1b8e-4f59-9d8a-3c6b3a5b8e11"
    assert envelope.deprecated_id == ""
    assert envelope.instance_name == "HH 0001"
    assert len(envelope.sha256) == 64


def test_orx_namespaced_meta_and_deprecated_id() -> None:
    xml = (
        b'<data id="f" version="1"><orx:meta xmlns:orx="http://openrosa.org/xforms">'
        b"<orx:instanceID>uuid:new</orx:instanceID><orx:deprecatedID>uuid:old</orx:deprecatedID></orx:meta></data>"
    )
    envelope = read_envelope(xml)
    assert (envelope.instance_id, envelope.deprecated_id) == ("uuid:new", "uuid:old")


def test_flatten_drops_groups_and_collects_repeat_rows() -> None:
    fields, rows = flatten_instance(read_envelope(GOOD).root, repeats=frozenset({"members"}))
    assert fields["hh_number"] == "4312021102010001"
    assert fields["c_enough_food"] == "1"
    assert fields["meta/instanceID"].startswith("uuid:")
    assert rows["members"] == [{"m_name": "张三", "m_age": "40"}, {"m_name": "李四", "m_age": "12"}]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<data id='f'><meta><instanceID>uuid:x</instanceID></meta>", "malformed"),
        (b"not xml at all", "malformed"),
        (b"<data><meta><instanceID>uuid:x</instanceID></meta></data>", "no_form_id"),
        (b"<data id='f'><meta/></data>", "no_instance_id"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<data id='f'><x>&xxe;</x><meta><instanceID>uuid:x</instanceID></meta></data>",
            "dtd",
        ),
        (
            b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<data id='f'>&lol2;<meta><instanceID>uuid:x</instanceID></meta></data>",
            "dtd",
        ),
    ],
)
def test_bad_documents_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        read_envelope(data)
    assert caught.value.reason == reason


def test_size_limit_is_checked_before_parsing() -> None:
    with pytest.raises(EnvelopeError) as caught:
        read_envelope(b"<data id='f'>" + b"x" * 2000 + b"</data>", max_bytes=1000)
    assert caught.value.reason == "too_large"
