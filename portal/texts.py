# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation; ranges an en dash)
"""What the customer reads, in their language: the repair's progress in plain words (never our
internal states), the page's labels, and the choice of language.

The language is the browser's (``Accept-Language``, by its weights) when it is one we write,
otherwise the tenant's default; ``?lang=`` overrides both (the page's language switch).
"""

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Final, get_args

from mobile_contract.enums import HoldReason, WorkOrderStatus
from mobile_contract.portal import CustomerStep

ZH, EN = "zh-CN", "en"
LANGUAGES: Final = (ZH, EN)

# The steps a customer sees, in order; each internal status shows as one of them.
STEPS: tuple[CustomerStep, ...] = get_args(CustomerStep)
STEP_OF_STATUS: Mapping[WorkOrderStatus, CustomerStep] = {
    WorkOrderStatus.NEW: "received",
    WorkOrderStatus.ASSIGNED: "assigned",
    WorkOrderStatus.ACCEPTED: "assigned",
    WorkOrderStatus.EN_ROUTE: "travelling",
    WorkOrderStatus.ON_SITE: "repairing",
    WorkOrderStatus.IN_PROGRESS: "repairing",
    WorkOrderStatus.ON_HOLD: "repairing",
    WorkOrderStatus.RESOLVED: "fixed",
    WorkOrderStatus.VERIFIED: "confirmed",
    WorkOrderStatus.CLOSED: "done",
    WorkOrderStatus.CANCELLED: "done",
}

_TEXTS: Mapping[str, Mapping[str, str]] = {
    ZH: {
        "page_title": "维修进度",
        "step.received": "已收到报修",
        "step.assigned": "已安排工程师",
        "step.travelling": "工程师在路上",
        "step.repairing": "正在维修",
        "step.fixed": "已修复，待确认",
        "step.confirmed": "已确认修复",
        "step.done": "已完成",
        "now.new": "我们已收到您的报修，正在安排工程师。",
        "now.assigned": "已为您安排工程师，工程师将尽快与您联系。",
        "now.accepted": "工程师已接单，将尽快出发。",
        "now.en_route": "工程师正在前往现场的路上。",
        "now.on_site": "工程师已到达现场。",
        "now.in_progress": "工程师正在维修。",
        "now.on_hold": "维修暂停，正在等待。",
        "hold.parts": "正在等待配件到货。",
        "hold.customer": "正在等待您的确认或回复。",
        "hold.access": "正在等待进入现场的许可。",
        "now.resolved": "故障已修复，正在确认维修结果。",
        "now.verified": "维修结果已确认，即将完成。",
        "now.closed": "维修已完成，感谢您的耐心。",
        "now.cancelled": "此次报修已取消。",
        "handler": "负责工程师",
        "call": "拨打电话",
        "not_assigned": "正在为您安排工程师。",
        "promise": "承诺修复时间",
        "promise_left": "剩余 {left}",
        "promise_paused": "暂停计时（等待中）",
        "promise_late": "已超过承诺时间，我们正在加紧处理。",
        "eta": "预计完成",
        "eta_range": "{start} – {end}",
        "messages": "留言",
        "no_messages": "还没有留言。有问题可以在这里告诉工程师。",
        "you": "您",
        "read": "已读",
        "message_placeholder": "写下您想告诉工程师的话…",
        "send": "发送",
        "sending": "正在发送…",
        "send_failed": "发送失败，请稍后重试。",
        "files": "照片和视频",
        "no_files": "您还没有上传文件。",
        "add_file": "上传照片或视频",
        "upload_waiting": "网络中断，正在等待重试…",
        "upload_done": "上传完成",
        "upload_failed": "上传失败：",
        "files_left": "还可上传 {n} 个文件",
        "kind.photo": "照片",
        "kind.video": "视频",
        "kind.document": "文件",
        "kind.signature": "签名",
        "file_status.pending": "上传中",
        "file_status.uploaded": "正在检查",
        "file_status.verified": "已收到",
        "file_status.rejected": "无法使用",
        "file_status.aborted": "已取消",
        "file_status.expired": "未完成",
        "report": "维修报告",
        "report_ready": "下载维修报告（PDF）",
        "report_pending": "维修报告正在生成，请稍后刷新页面。",
        "link_valid_until": "此链接有效期至 {date}",
        "timeline": "进度",
        "invalid_title": "链接无法打开",
        "invalid_body": "这个链接无法打开：可能已过期、已被停用，或没有完整复制。"
        "请联系为您服务的公司获取新的链接。",
        "language": "English",
        "minutes": "{n} 分钟",
        "hours": "{h} 小时 {m} 分钟",
        "days": "{d} 天 {h} 小时",
    },
    EN: {
        "page_title": "Repair progress",
        "step.received": "Request received",
        "step.assigned": "Engineer assigned",
        "step.travelling": "On the way",
        "step.repairing": "Repairing",
        "step.fixed": "Fixed, being checked",
        "step.confirmed": "Fix confirmed",
        "step.done": "Done",
        "now.new": "We have your request and are finding an engineer.",
        "now.assigned": "An engineer has been assigned and will contact you soon.",
        "now.accepted": "The engineer has taken the job and will set off soon.",
        "now.en_route": "The engineer is on the way to you.",
        "now.on_site": "The engineer has arrived.",
        "now.in_progress": "The engineer is repairing it.",
        "now.on_hold": "The repair is paused while we wait.",
        "hold.parts": "We are waiting for parts to arrive.",
        "hold.customer": "We are waiting for your confirmation or reply.",
        "hold.access": "We are waiting for access to the site.",
        "now.resolved": "The fault is fixed; we are checking the result.",
        "now.verified": "The fix is confirmed; we are finishing up.",
        "now.closed": "The repair is complete. Thank you for your patience.",
        "now.cancelled": "This request was cancelled.",
        "handler": "Your engineer",
        "call": "Call",
        "not_assigned": "We are finding an engineer for you.",
        "promise": "Promised fix time",
        "promise_left": "{left} left",
        "promise_paused": "Clock paused while we wait",
        "promise_late": "We are past the promised time and are working to finish.",
        "eta": "Expected done",
        "eta_range": "{start} – {end}",
        "messages": "Messages",
        "no_messages": "No messages yet. Ask the engineer anything here.",
        "you": "You",
        "read": "Read",
        "message_placeholder": "Write to your engineer…",
        "send": "Send",
        "sending": "Sending…",
        "send_failed": "Could not send; please try again.",
        "files": "Photos and videos",
        "no_files": "You have not sent any files.",
        "add_file": "Send a photo or video",
        "upload_waiting": "Connection lost, waiting to retry…",
        "upload_done": "Upload complete",
        "upload_failed": "Upload failed: ",
        "files_left": "{n} more files can be sent",
        "kind.photo": "Photo",
        "kind.video": "Video",
        "kind.document": "Document",
        "kind.signature": "Signature",
        "file_status.pending": "Uploading",
        "file_status.uploaded": "Being checked",
        "file_status.verified": "Received",
        "file_status.rejected": "Could not be used",
        "file_status.aborted": "Cancelled",
        "file_status.expired": "Not finished",
        "report": "Repair report",
        "report_ready": "Download the repair report (PDF)",
        "report_pending": "The repair report is being prepared; refresh this page in a moment.",
        "link_valid_until": "This link works until {date}",
        "timeline": "Progress",
        "invalid_title": "This link cannot be opened",
        "invalid_body": "This link cannot be opened: it may have expired or been withdrawn, or "
        "it was not copied completely. Please ask the company serving you for a new link.",
        "language": "中文",
        "minutes": "{n} min",
        "hours": "{h} h {m} min",
        "days": "{d} d {h} h",
    },
}


def texts(language: str) -> Mapping[str, str]:
    return _TEXTS[language]


def now_words(language: str, status: WorkOrderStatus, hold_reason: HoldReason | None) -> str:
    """What is happening now, in one sentence (a hold says what it waits for)."""
    words = _TEXTS[language]
    if status == WorkOrderStatus.ON_HOLD and hold_reason is not None:
        return words[f"hold.{hold_reason}"]
    return words[f"now.{status}"]


def duration_words(language: str, seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    words = _TEXTS[language]
    if minutes < 60:
        return words["minutes"].format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return words["hours"].format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return words["days"].format(d=days, h=hours)


def local_time(moment: datetime, language: str, zone: tzinfo) -> str:
    """A time as the customer reads it (the page, the chat card): in the site's time zone,
    the day and the minute."""
    at = moment.astimezone(zone)
    if language == ZH:
        return f"{at.month}月{at.day}日 {at:%H:%M}"
    return f"{at.day} {at:%b %H:%M}"


def choose_language(*, accept_language: str, override: str, tenant_default: str) -> str:
    """``override`` (the page's switch) first, then the browser's most wanted language we
    write, then the tenant's default."""
    if override in LANGUAGES:
        return override
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        wanted.append((-weight, position, tag.strip().lower()))
    for weight, _, tag in sorted(wanted):
        if weight >= 0:  # q=0: "not this one"
            continue
        if tag == "zh" or tag.startswith("zh-"):
            return ZH
        if tag == "en" or tag.startswith("en-"):
            return EN
    return tenant_default if tenant_default in LANGUAGES else ZH
