from django.utils.translation import gettext_lazy as _

from povcensus.core.errors import ErrorCode

XLSFORM_INVALID = ErrorCode(
    "questionnaires.xlsform_invalid",
    _("XLSForm 有 %(count)s 处错误，未保存任何内容。"),
    400,
)
XLSFORM_UNREADABLE = ErrorCode(
    "questionnaires.xlsform_unreadable", _("无法读取 XLSForm 文件：%(reason)s"), 400
)
VERSION_MISSING = ErrorCode(
    "questionnaires.version_missing",
    _("XLSForm 的 settings 表缺少 version（版本号）；已发布的版本以表单编号和版本号区分。"),
    400,
)
VERSION_PUBLISHED = ErrorCode(
    "questionnaires.version_published",
    _(
        "表单“%(form_id)s”的版本 %(version)s 已发布，不能修改；请在 settings 表中填写新的版本号后再上传。"
    ),
    409,
)
NOT_DRAFT = ErrorCode(
    "questionnaires.not_draft", _("版本 %(version)s 已发布，已发布的版本不能修改或删除。"), 409
)
NOT_PUBLISHED = ErrorCode(
    "questionnaires.not_published",
    _("版本 %(version)s 尚未发布，不能设为调查项目使用的版本。"),
    409,
)
KIND_MISMATCH = ErrorCode(
    "questionnaires.kind_mismatch",
    _("表单“%(form_id)s”已登记为“%(kind)s”，不能作为“%(requested)s”上传。"),
    409,
)
FORM_TOO_LARGE = ErrorCode(
    "questionnaires.form_too_large", _("XLSForm 文件超过 %(limit)s MB。"), 400
)
UNKNOWN_MEDIA = ErrorCode(
    "questionnaires.unknown_media", _("表单没有名为“%(filename)s”的附件文件。"), 404
)
SUBMISSION_UNREADABLE = ErrorCode(
    "questionnaires.submission_unreadable", _("无法读取预览提交的数据：%(reason)s"), 400
)
