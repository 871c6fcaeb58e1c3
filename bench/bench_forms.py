"""Questionnaire work on the server: prefill media for a household set, and form checks.

Prefill: ``version_media`` builds households.csv, members.csv and campaign.csv of the live
household form for N register households (what a device downloads; a team holds a few
hundred, a whole county tens of thousands).  Baseline: the same rows fetched with one
``values_list`` query per table and written with ``csv.writer``, no prefill records.

Form checks: compiling the built-in household XLSForm with pyxform alone, and with ODK
Validate (Java), as an upload does.

    .venv/bin/python bench/run.py forms -- --households 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

from common import Timer, django_setup, peak_rss_mb, postgres_database, report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    with postgres_database() as url:
        django_setup(url)
        from povcensus.core.progress import NullProgress
        from povcensus.devtools.demo import demo_build
        from povcensus.questionnaires.builtin import builtin_forms
        from povcensus.questionnaires.models import FormKind
        from povcensus.questionnaires.selectors import live_version, version_media
        from povcensus.questionnaires.xlsform import compile_xlsform
        from povcensus.register.models import MEMBER_ANSWER_FIELDS, Household, Member

        build = Timer()
        with build.measure():
            result = demo_build(households=args.households, seed=7, progress=NullProgress())
        campaign = result.campaign
        version = live_version(campaign=campaign, kind=FormKind.HOUSEHOLD)
        assert version is not None
        households = Household.objects.filter(campaign=campaign)
        members = Member.objects.filter(campaign=campaign).count()

        ours, baseline = Timer(), Timer()
        best_ours = best_base = float("inf")
        size = 0
        for _ in range(args.repeat):
            with ours.measure():
                files = version_media(version=version, campaign=campaign, households=households)
            best_ours = min(best_ours, ours.seconds)
            size = sum(len(f.content) for f in files.values())
            with baseline.measure():
                out = io.StringIO()
                writer = csv.writer(out)
                writer.writerows(
                    households.order_by("village_id", "number").values_list(
                        "number",
                        "head_name",
                        "village_id",
                        "size_registered",
                        "identification_standard",
                        "attribute",
                        "exit_status",
                        "exit_year",
                        "main_cause",
                        "phone",
                    )
                )
                writer.writerows(
                    Member.objects.filter(household__campaign=campaign)
                    .order_by("household_id", "seq")
                    .values_list("household__number", *MEMBER_ANSWER_FIELDS)
                )
                out.getvalue().encode("utf-8")
            best_base = min(best_base, baseline.seconds)

        household_form = next(f for f in builtin_forms() if f.form_id == "household")
        data = household_form.path.read_bytes()
        pyxform_only, with_validate = Timer(), Timer()
        with pyxform_only.measure():
            compile_xlsform(data, validate=False)
        with with_validate.measure():
            checked = compile_xlsform(data, validate=True)

    report(
        f"questionnaires: prefill media for {args.households} households ({members} members)",
        [
            ("demo build (incl. built-in forms)", f"{build.seconds:.1f} s"),
            ("version_media (best of runs)", f"{best_ours:.3f} s, {size / 1e6:.1f} MB"),
            ("baseline values_list + csv.writer", f"{best_base:.3f} s"),
            ("ratio ours / baseline", f"{best_ours / best_base:.2f}×"),
            ("households per second (ours)", f"{args.households / best_ours:,.0f}"),
            ("household XLSForm: pyxform only", f"{pyxform_only.seconds:.2f} s"),
            (
                "household XLSForm: pyxform + ODK Validate",
                f"{with_validate.seconds:.2f} s (validated={checked.validated})",
            ),
            ("ratio validate / pyxform", f"{with_validate.seconds / pyxform_only.seconds:.1f}×"),
            ("peak RSS", f"{peak_rss_mb():.0f} MB"),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
