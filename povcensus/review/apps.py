from typing import Any

from django.apps import AppConfig


def _home_card(request: Any, campaign: Any) -> dict[str, Any]:
    from povcensus.review.views import home_card_context

    return home_card_context(request, campaign)


class ReviewConfig(AppConfig):
    name = "povcensus.review"
    label = "review"
    verbose_name = "审核验收"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.assignment.hooks import on_non_interview_recorded
        from povcensus.collection.extensions import register_worklist_annotator
        from povcensus.collection.hooks import on_device_media, on_version_stored
        from povcensus.core.views import register_home_card
        from povcensus.review import audit_actions  # noqa: F401
        from povcensus.review.selectors import returned_cases_for, returns_media
        from povcensus.review.services import case_follow_non_interview, case_follow_submission

        on_version_stored(case_follow_submission)
        on_non_interview_recorded(case_follow_non_interview)
        # Everyone who reviews at some level: enumerators (initial review) see their
        # returned cases, reviewers their queues.
        reviewers = (
            Perm.REVIEW_INITIAL,
            Perm.REVIEW_SUPERVISOR,
            Perm.REVIEW_TOWNSHIP,
            Perm.REVIEW_COUNTY,
            Perm.REVIEW_PROVINCE,
        )
        register_navigation("review:queue", _("审核验收"), reviewers)
        register_home_card("review/_home_card.html", None, _home_card)  # empty without a level
        register_worklist_annotator(returned_cases_for)
        on_device_media(returns_media)
