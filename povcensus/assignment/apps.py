from django.apps import AppConfig


class AssignmentConfig(AppConfig):
    name = "povcensus.assignment"
    label = "assignment"
    verbose_name = "任务分配"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from povcensus.accounts.context_processors import register_navigation
        from povcensus.accounts.roles import Perm
        from povcensus.accounts.services import register_home_township_check
        from povcensus.assignment import audit_actions  # noqa: F401
        from povcensus.assignment.api import router
        from povcensus.assignment.db_guard import GUARD
        from povcensus.assignment.services.common import check_home_township_change
        from povcensus.assignment.views import home_card_context
        from povcensus.core.api import api
        from povcensus.core.db_triggers import register_guard
        from povcensus.core.views import register_home_card

        api.add_router("/assignment", router)
        register_home_township_check(check_home_township_change)
        register_navigation("assignment:overview", _("任务分配"), Perm.ASSIGNMENT_MANAGE)
        register_navigation("assignment:appointments", _("预约与引导"), Perm.APPOINTMENT_MANAGE)
        register_navigation("assignment:worklist", _("我的任务"), Perm.SUBMISSION_CREATE)
        register_home_card("assignment/_home_card.html", Perm.SUBMISSION_CREATE, home_card_context)

        # SQLite: the triggers are lifted for migrations (table rebuilds) and put back after.
        register_guard(GUARD)
