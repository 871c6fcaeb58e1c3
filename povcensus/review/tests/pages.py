"""Set-up for the review page tests: clean questionnaires as a device sends them.

The payloads are the collection tests' built-in household form (``make_payloads``) with the
member ID numbers given valid check digits and one member ill (so the main cause "illness"
fits): the real rule book then passes them, and the pages see true rule results.
"""

from __future__ import annotations

import uuid
from typing import Any

from povcensus.assignment.models import Assignment
from povcensus.collection.services import IncomingFile, submission_receive
from povcensus.collection.tests.data.make_payloads import JPEG, MEMBERS, PNG, household_xml
from povcensus.core.idnumbers import check_char
from povcensus.review.models import Case

ATTACHMENTS = [
    IncomingFile("hukou-1694226001.jpg", "image/jpeg", JPEG),
    IncomingFile("signature-1694226011.png", "image/png", PNG),
]


def clean_household_xml(
    number: str, *, instance_id: str, deprecated_id: str = "", wage: str = "36000"
) -> bytes:
    """The household form of ``number`` that passes every hard and soft rule.

    Each household gets its own member ID numbers (the sequence digits come from the
    household number; birth date and sex digit are kept), so that several households
    together break no cross-household rule.
    """
    xml = household_xml(hh=number, instance_id=instance_id, deprecated_id=deprecated_id, wage=wage)
    for member in MEMBERS:
        first17 = member["id"][:14] + number[-2:] + member["id"][16]
        xml = xml.replace(member["id"], first17 + check_char(first17))
    return xml.replace("<m_health>1</m_health>", "<m_health>2</m_health>", 1).encode()


def enumerator_of(number: str) -> Any:
    assignment = Assignment.objects.select_related("team").get(household__number=number)
    return assignment.team.members.get(slot=1).user


def soft_only_household_xml(number: str, *, instance_id: str) -> bytes:
    """Valid ID numbers but nobody ill: only the soft rule IN-08 (cause vs members) fails."""
    return clean_household_xml(number, instance_id=instance_id).replace(
        b"<m_health>2</m_health>", b"<m_health>1</m_health>", 1
    )


def submit_clean(number: str, *, clean: bool = True, deprecated_id: str = "") -> Case:
    """Submit ``number``'s questionnaire (with photos) as its enumerator; return its case.

    Callers wrap this in ``django_capture_on_commit_callbacks(execute=True)`` so that the
    rule check queued on commit runs.
    """
    instance_id = f"uuid:{uuid.uuid4()}"
    if clean:
        xml = clean_household_xml(number, instance_id=instance_id, deprecated_id=deprecated_id)
    else:  # the collection tests' payload: three ID numbers with wrong check digits
        xml = household_xml(
            hh=number, instance_id=instance_id, deprecated_id=deprecated_id
        ).encode()
    submission_receive(actor=enumerator_of(number), xml=xml, files=list(ATTACHMENTS))
    return Case.objects.select_related("team__supervisor", "current_submission").get(
        assignment__household__number=number
    )
