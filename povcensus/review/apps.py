from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "povcensus.review"
    label = "review"
    verbose_name = "审核验收"

    def ready(self) -> None:
        from povcensus.assignment.hooks import on_non_interview_recorded
        from povcensus.collection.hooks import on_version_stored
        from povcensus.review import audit_actions  # noqa: F401
        from povcensus.review.services import case_follow_non_interview, case_follow_submission

        on_version_stored(case_follow_submission)
        on_non_interview_recorded(case_follow_non_interview)
