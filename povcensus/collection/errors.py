"""Error codes of collection; OpenRosa endpoints render them as OpenRosaResponse XML."""

from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

NOT_MULTIPART = ErrorCode(
    "collection.not_multipart", _("提交必须是 multipart/form-data 格式。"), 400
)
NO_XML_PART = ErrorCode("collection.no_xml_part", _("提交缺少 xml_submission_file 部分。"), 400)
XML_TOO_LARGE = ErrorCode("collection.xml_too_large", _("问卷数据过大（%(size)s 字节）。"), 413)
XML_DTD = ErrorCode(
    "collection.xml_dtd_refused", _("问卷数据包含 DOCTYPE/ENTITY 声明，出于安全原因拒收。"), 400
)
XML_MALFORMED = ErrorCode("collection.xml_malformed", _("问卷数据不是有效的 XML：%(detail)s"), 400)
NO_FORM_ID = ErrorCode("collection.no_form_id", _("问卷数据缺少表单编号。"), 400)
NO_INSTANCE_ID = ErrorCode("collection.no_instance_id", _("问卷数据缺少 instanceID。"), 400)
UNKNOWN_FORM = ErrorCode(
    "collection.unknown_form_version",
    _(
        "服务器上没有已发布的表单“%(form_id)s”版本“%(version)s”，请在 ODK Collect 中重新获取空白表单。"
    ),
    404,
)
NOT_ASSIGNED = ErrorCode(
    "collection.not_assigned", _("户编号“%(unit)s”没有分配给您所在的调查小组，不能提交。"), 403
)
UNKNOWN_UNIT = ErrorCode(
    "collection.unknown_unit", _("调查对象“%(unit)s”不在本调查项目的调查底册中。"), 404
)
CONFLICT = ErrorCode(
    "collection.instance_conflict",
    _("已收到相同 instanceID 但内容不同的问卷，拒绝覆盖。如需修改，请以编辑方式提交。"),
    409,
)
ALREADY_EDITED = ErrorCode(
    "collection.already_edited", _("被修改的版本已有更新的版本，请基于最新版本修改。"), 409
)
ATTACHMENT_TOO_LARGE = ErrorCode(
    "collection.attachment_too_large",
    _("附件“%(name)s”过大（%(size)s 字节，上限 %(limit)s 字节）。"),
    413,
)
ATTACHMENT_CONFLICT = ErrorCode(
    "collection.attachment_conflict", _("附件“%(name)s”与已收到的同名附件内容不同。"), 409
)
BAD_ATTACHMENT_NAME = ErrorCode(
    "collection.bad_attachment_name", _("附件文件名“%(name)s”不合法。"), 400
)
AUTH_REQUIRED = ErrorCode("collection.auth_required", _("请使用调查员账号登录。"), 401)
BASIC_NEEDS_HTTPS = ErrorCode(
    "collection.basic_needs_https", _("Basic 认证只允许通过 HTTPS 使用，请改用 Digest 认证。"), 401
)
NO_CAMPAIGN = ErrorCode("collection.no_campaign", _("您没有参加进行中的调查项目。"), 403)
CORRECTION_REASON_REQUIRED = ErrorCode(
    "collection.correction_reason_required",
    _("请填写更正原因（统计法要求每项修改都有记录：谁、何时、为何修改）。"),
)
CORRECTION_UNKNOWN_FIELD = ErrorCode(
    "collection.correction_unknown_field", _("问卷中没有题目“%(field)s”，不能更正。")
)
CORRECTION_UNKNOWN_MEMBER = ErrorCode(
    "collection.correction_unknown_member", _("本户问卷没有第 %(index)s 位成员。")
)
CORRECTION_NO_CHANGES = ErrorCode(
    "collection.correction_no_changes", _("更正后的内容与原内容相同，没有需要更正的内容。")
)
NO_LIVE_FORM = ErrorCode(
    "collection.no_live_form", _("本调查项目还没有启用“%(kind)s”的问卷版本，请联系普查办。"), 404
)
