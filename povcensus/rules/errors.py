from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

# Rule book loading.  ``%(where)s`` names the file, the rule (or definition) and the part
# ("expression", "when", "message"); ``%(line)s``/``%(column)s`` are 1-based positions
# inside that expression.
SYNTAX = ErrorCode(
    "rules.syntax",
    _("%(where)s 第 %(line)s 行第 %(column)s 列：语法错误，%(reason)s"),
)
UNKNOWN_FIELD = ErrorCode(
    "rules.unknown_field",
    _("%(where)s 第 %(line)s 行第 %(column)s 列：问卷中没有字段“%(field)s”。"),
)
UNKNOWN_FUNCTION = ErrorCode(
    "rules.unknown_function",
    _("%(where)s 第 %(line)s 行第 %(column)s 列：没有函数“%(function)s”。"),
)
TYPE = ErrorCode(
    "rules.type",
    _("%(where)s 第 %(line)s 行第 %(column)s 列：类型不符，%(reason)s"),
)
LEVEL = ErrorCode(
    "rules.level",
    _("%(where)s 第 %(line)s 行第 %(column)s 列：%(reason)s"),
)
YAML = ErrorCode("rules.yaml", _("%(file)s 第 %(line)s 行：不是有效的 YAML，%(reason)s"))
FORMAT = ErrorCode("rules.format", _("%(where)s：%(reason)s"))
DUPLICATE = ErrorCode("rules.duplicate", _("%(where)s：“%(name)s”重复定义。"))
VERSION_MISMATCH = ErrorCode(
    "rules.version_mismatch", _("规则库的各文件版本不一致：%(versions)s。")
)
INVALID_BOOK = ErrorCode("rules.invalid_book", _("规则库有 %(count)s 处错误，未保存。"))

# Rule books in the database.
NO_SOURCES = ErrorCode("rules.no_sources", _("请上传至少一个规则库文件（YAML）。"))
ALREADY_ACTIVE = ErrorCode(
    "rules.already_active", _("第 %(number)s 版规则库已是当前生效版本。"), 409
)
CAMPAIGN_CLOSED = ErrorCode(
    "rules.campaign_closed", _("调查项目“%(name)s”已结束，不能更换规则库。"), 409
)

# Results of checked submissions (used by review to decide whether a case may move on).
NOT_CHECKED = ErrorCode(
    "rules.not_checked", _("这份问卷尚未按生效的审核规则库审核，请稍候再试。"), 409
)
HARD_FAILURES_OPEN = ErrorCode(
    "rules.hard_failures_open",
    _("这份问卷有 %(count)s 处未通过的必要审核关系（硬性错误），须更正后才能通过。"),
    409,
)
SOFT_FAILURES_UNEXPLAINED = ErrorCode(
    "rules.soft_failures_unexplained",
    _("这份问卷有 %(count)s 处核实性审核关系（软性错误）尚未填写核实说明。"),
    409,
)
NOT_SOFT_FAILURE = ErrorCode(
    "rules.not_soft_failure",
    _("规则 %(rule_id)s 对这份问卷没有未通过的核实性审核结果，无需说明。"),
)
EXPLANATION_EMPTY = ErrorCode("rules.explanation_empty", _("请填写核实说明（不超过 500 字）。"))
RUN_RUNNING = ErrorCode("rules.run_running", _("全面审核正在运行，请等它结束后再启动。"), 409)
