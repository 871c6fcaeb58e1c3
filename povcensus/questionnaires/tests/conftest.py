"""Small XLSForm workbooks for the questionnaire tests."""

from __future__ import annotations

from povcensus.questionnaires.builtin.dsl import FormSource, q


def tiny_form(*rows: dict[str, str], version: str = "1", form_id: str = "tiny") -> FormSource:
    """A valid two-question form, plus ``rows``: survey rows 2–3 are the questions."""
    form = FormSource(form_id=form_id, title=("小表", "Tiny"), version=version)
    form.add(
        q("integer", "age", ("年龄", "Age"), required=True),
        q("select_one yes_no", "married", ("婚否", "Married?"), relevant="${age} >= 15"),
        *rows,
    )
    form.choice_list("yes_no", [("1", "是", "Yes"), ("2", "否", "No")])
    return form
