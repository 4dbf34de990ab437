"""The project-wide vocabulary with Chinese labels: fraud types, signals, risk levels, profiles.

Codes are stable (they are stored in the database and used by the script library and the reports);
labels are what operators read.  Disposition, objection and key-action codes come from the script
library, which owns them.  The states of warnings, queue items, escalations and their tasks are
``StrEnum``s whose values are the stored strings; which move from one state to another is allowed is
decided in one module per state machine (console/services/queue/states.py,
console/services/escalation/states.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from scripts_library.codes import (
    DISPOSITION_LABELS,
    KEY_ACTION_LABELS,
    OBJECTION_LABELS,
    UNREACHED_DISPOSITIONS,
    Disposition,
    KeyAction,
    Objection,
)


@dataclass(frozen=True)
class FraudType:
    code: str
    label: str
    synonyms: tuple[str, ...]


FRAUD_TYPES: Final[tuple[FraudType, ...]] = (
    FraudType("task_rebate", "刷单返利", ("刷单", "刷单返利类", "网络刷单", "兼职刷单", "点赞返利", "做任务返利")),
    FraudType("fake_investment", "虚假网络投资理财", ("虚假投资理财", "投资理财", "网络投资", "虚假理财", "荐股")),
    FraudType("fake_loan", "虚假网络贷款", ("虚假贷款", "网络贷款", "贷款诈骗", "虚假网贷")),
    FraudType("fake_customer_service", "冒充电商物流客服", ("冒充客服", "假冒客服", "冒充电商客服", "冒充物流客服", "退款理赔")),
    FraudType("fake_credit_repair", "虚假征信", ("注销校园贷", "消除不良征信", "征信修复", "注销网贷")),
    FraudType("impersonate_authority", "冒充公检法及政府机关", ("冒充公检法", "冒充公安", "冒充政府机关", "冒充警察")),
    FraudType("impersonate_leader", "冒充领导熟人", ("冒充领导", "冒充熟人", "冒充老板", "冒充亲友")),
    FraudType("romance_investment", "网络婚恋交友", ("杀猪盘", "婚恋交友", "网络交友", "交友诈骗", "婚恋")),
    FraudType("fake_shopping", "虚假购物服务", ("虚假购物", "网络购物", "虚假服务")),
    FraudType("game_trading", "网络游戏产品虚假交易", ("游戏交易", "游戏账号交易", "网络游戏", "游戏装备")),
    FraudType("impersonate_military_purchase", "冒充军警购物", ("冒充军人购物", "冒充军警采购", "军警采购", "冒充部队采购")),
    FraudType("elderly_health_pension", "保健品 / 养老投资", ("保健品", "养老投资", "以房养老", "养老诈骗", "养老项目")),
    FraudType("tool_person", "两卡 / 跑分", ("两卡", "跑分", "帮信", "出租银行卡", "出售电话卡", "工具人")),
    FraudType("other", "其他", ("其它", "未知", "其他类型")),
)

FRAUD_TYPE_LABELS: Final[dict[str, str]] = {t.code: t.label for t in FRAUD_TYPES}


@dataclass(frozen=True)
class Signal:
    code: str
    label: str
    keywords: tuple[str, ...]


SIGNALS: Final[tuple[Signal, ...]] = (
    Signal("screen_sharing", "屏幕共享", ("屏幕共享", "共享屏幕", "屏幕分享", "开启共享")),
    Signal("remote_control_app", "远程控制软件", ("远程控制", "远控", "向日葵", "todesk", "teamviewer")),
    Signal("on_call_now", "正在通话", ("正在通话", "通话中", "正在与涉诈号码通话", "持续通话")),
    Signal("transfer_pending", "即将转账", ("即将转账", "准备转账", "拟转账", "正在转账", "转账中")),
    Signal("large_transfer", "大额转账", ("大额转账", "大额汇款", "大额资金")),
    Signal("cash_withdrawal", "取现", ("取现", "取款", "提现", "取钱")),
    Signal("fraud_app_installed", "安装涉诈App", ("安装涉诈", "涉诈app", "下载app", "安装app", "涉诈软件")),
    Signal("visited_fraud_site", "访问涉诈网址", ("涉诈网址", "访问网址", "点击链接", "涉诈链接")),
    Signal("code_disclosed", "泄露验证码", ("验证码", "泄露密码")),
    Signal("loan_applied", "申请网贷", ("网贷", "申请贷款", "借贷")),
)

SIGNAL_LABELS: Final[dict[str, str]] = {s.code: s.label for s in SIGNALS}

RISK_LEVEL_LABELS: Final[dict[str, str]] = {"red": "红", "orange": "橙", "yellow": "黄", "blue": "蓝"}
RISK_LEVEL_ORDER: Final[tuple[str, ...]] = ("red", "orange", "yellow", "blue")

PROFILE_GROUP_LABELS: Final[dict[str, str]] = {
    "elderly": "老年人",
    "student": "学生",
    "young_adult": "青年",
    "homemaker": "家庭主妇/夫",
    "finance_staff": "财务人员",
    "business_owner": "个体经营者",
    "worker": "务工人员",
    "minor": "未成年人",
    "general": "一般人群",
}

AGE_BANDS: Final[tuple[tuple[str, int, int], ...]] = (
    ("minor", 0, 17),
    ("18-25", 18, 25),
    ("26-40", 26, 40),
    ("41-55", 41, 55),
    ("56-65", 56, 65),
    ("65+", 66, 200),
)

AGE_BAND_LABELS: Final[dict[str, str]] = {
    "minor": "未成年",
    "18-25": "18–25岁",
    "26-40": "26–40岁",
    "41-55": "41–55岁",
    "56-65": "56–65岁",
    "65+": "65岁以上",
    "unknown": "年龄不详",
}

SOURCE_LABELS: Final[dict[str, str]] = {
    "platform": "反诈平台推送",
    "hotline_96110": "96110来电",
    "bank": "银行网点",
    "grid_worker": "社区网格员",
    "relative": "亲属报告",
    "manual": "人工录入",
}


class WarningStatus(StrEnum):
    OPEN = "open"  # nobody has worked on it yet
    IN_PROGRESS = "in_progress"  # claimed, called or escalated, not finished
    CLOSED = "closed"


class QueueItemKind(StrEnum):
    WARNING = "warning"
    RETRY = "retry"
    FOLLOW_UP = "follow_up"
    ESCALATION_ANSWER = "escalation_answer"
    VOICE_CALLBACK = "voice_callback"  # the person pressed 1 during an automated voice warning
    CALLBACK = "callback"  # a callback time the operator agreed with the person (约定回拨)


class QueueItemStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


# Items still in the queue (claimable, or held on a lease).
LIVE_ITEM_STATUSES: Final[tuple[QueueItemStatus, ...]] = (QueueItemStatus.OPEN, QueueItemStatus.CLAIMED)


class EscalationStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# Orders that are finished: nothing about them may change any more.
CLOSED_ESCALATION_STATUSES: Final[tuple[EscalationStatus, ...]] = (EscalationStatus.DONE, EscalationStatus.CANCELLED)


class TaskKind(StrEnum):
    ONSITE_VISIT = "onsite_visit"
    STOP_PAYMENT = "stop_payment"
    FAMILY_NOTICE = "family_notice"


class TaskStatus(StrEnum):
    CREATED = "created"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class TaskResult(StrEnum):
    """The result of a task, and of an order as the station reports it."""

    SUCCESS = "success"
    FAILED = "failed"
    UNREACHABLE = "unreachable"


class FollowUpOutcome(StrEnum):
    """What a follow-up call found (recorded by hand when no call log is written)."""

    SAFE = "safe"
    RECONTACTED = "recontacted"
    VICTIMIZED = "victimized"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"


class KeyActionState(StrEnum):
    """How far a key action got: promised during a call, or confirmed (verified, or found done later)."""

    PROMISED = "promised"
    CONFIRMED = "confirmed"


class FollowUpStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


WARNING_STATUS_LABELS: Final[dict[str, str]] = {
    WarningStatus.OPEN: "待处理", WarningStatus.IN_PROGRESS: "处理中", WarningStatus.CLOSED: "已结案",
}
QUEUE_ITEM_STATUS_LABELS: Final[dict[str, str]] = {
    QueueItemStatus.OPEN: "待领取",
    QueueItemStatus.CLAIMED: "已领取",
    QueueItemStatus.DONE: "已处理",
    QueueItemStatus.SKIPPED: "已跳过",
    QueueItemStatus.CANCELLED: "已取消",
    "waiting": "待重拨",  # shown for an open item whose retry time lies ahead
}
# How a live queue entry's state (QueueEntry.status) reads in the lists: the seat's queue, the board's
# drill-down, the exported queue and `dissuade queue list`.  An agreed callback whose time (plus the
# grace) lies ahead is "waiting" too but is no retry: it reads AGREED_CALLBACK_LABEL with the agreed
# time and who agreed it (console/services/queue/wording.py).
QUEUE_STATE_LABELS: Final[dict[str, str]] = {"open": "待领取", "claimed": "处理中", "waiting": "待重拨"}
AGREED_CALLBACK_LABEL: Final = "约定回拨"

QUEUE_ITEM_KIND_LABELS: Final[dict[str, str]] = {
    QueueItemKind.WARNING: "预警",
    QueueItemKind.RETRY: "重拨",
    QueueItemKind.FOLLOW_UP: "回访",
    QueueItemKind.ESCALATION_ANSWER: "派出所反馈",
    QueueItemKind.VOICE_CALLBACK: "语音回拨",
    QueueItemKind.CALLBACK: "约定回拨",
}


class VoiceCampaignStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"


class VoiceItemStatus(StrEnum):
    PENDING = "pending"  # waiting for its (next) call
    CALLING = "calling"
    DONE = "done"
    GIVEN_UP = "given_up"  # the attempts ran out


class VoiceResult(StrEnum):
    """What one automated call came to."""

    LISTENED = "listened"
    PRESSED_1 = "pressed_1"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


VOICE_CAMPAIGN_STATUS_LABELS: Final[dict[str, str]] = {
    VoiceCampaignStatus.RUNNING: "进行中", VoiceCampaignStatus.PAUSED: "已暂停",
    VoiceCampaignStatus.STOPPED: "已停止", VoiceCampaignStatus.FINISHED: "已完成",
}
VOICE_ITEM_STATUS_LABELS: Final[dict[str, str]] = {
    VoiceItemStatus.PENDING: "待呼叫", VoiceItemStatus.CALLING: "呼叫中", VoiceItemStatus.DONE: "已完成",
    VoiceItemStatus.GIVEN_UP: "已放弃",
}
VOICE_RESULT_LABELS: Final[dict[str, str]] = {
    VoiceResult.LISTENED: "已收听", VoiceResult.PRESSED_1: "按1转民警", VoiceResult.NO_ANSWER: "无人接听",
    VoiceResult.BUSY: "占线", VoiceResult.UNREACHABLE: "无法接通", VoiceResult.FAILED: "呼叫失败",
}
FOLLOW_UP_KIND_LABELS: Final[dict[str, str]] = {"revisit": "回访", "victim_support": "受害帮扶"}
FOLLOW_UP_STATUS_LABELS: Final[dict[str, str]] = {
    FollowUpStatus.SCHEDULED: "待回访",
    FollowUpStatus.QUEUED: "已入队",
    FollowUpStatus.DONE: "已完成",
    FollowUpStatus.MISSED: "未联系上",
    FollowUpStatus.CANCELLED: "已取消",
}
FOLLOW_UP_OUTCOME_LABELS: Final[dict[str, str]] = {
    FollowUpOutcome.SAFE: "已联系，情况正常",
    FollowUpOutcome.RECONTACTED: "骗子再次联系，已提醒",
    FollowUpOutcome.VICTIMIZED: "已被骗",
    FollowUpOutcome.UNREACHABLE: "未联系上",
    FollowUpOutcome.REFUSED: "拒绝回访",
}
TASK_KIND_LABELS: Final[dict[str, str]] = {
    TaskKind.ONSITE_VISIT: "上门劝阻", TaskKind.STOP_PAYMENT: "保护性止付", TaskKind.FAMILY_NOTICE: "通知家属",
}
TASK_STATUS_LABELS: Final[dict[str, str]] = {
    TaskStatus.CREATED: "已创建",
    TaskStatus.SENT: "已发送",
    TaskStatus.ACKNOWLEDGED: "已签收",
    TaskStatus.IN_PROGRESS: "出警/处置中",
    TaskStatus.DONE: "已完成",
}
RESULT_LABELS: Final[dict[str, str]] = {
    TaskResult.SUCCESS: "成功", TaskResult.FAILED: "失败", TaskResult.UNREACHABLE: "无法联系",
}
ORDER_STATUS_LABELS: Final[dict[str, str]] = {
    EscalationStatus.OPEN: "待签收",
    EscalationStatus.ACKNOWLEDGED: "已签收",
    EscalationStatus.IN_PROGRESS: "处置中",
    EscalationStatus.DONE: "已办结",
    EscalationStatus.CANCELLED: "已撤销",
}
KEY_ACTION_STATE_LABELS: Final[dict[str, str]] = {
    KeyActionState.PROMISED: "已承诺", KeyActionState.CONFIRMED: "已核实",
}


__all__ = [
    "CLOSED_ESCALATION_STATUSES",
    "LIVE_ITEM_STATUSES",
    "Disposition",
    "EscalationStatus",
    "FollowUpOutcome",
    "FollowUpStatus",
    "KeyAction",
    "KeyActionState",
    "Objection",
    "QueueItemKind",
    "QueueItemStatus",
    "TaskKind",
    "TaskResult",
    "TaskStatus",
    "WarningStatus",
    "AGE_BANDS",
    "AGE_BAND_LABELS",
    "DISPOSITION_LABELS",
    "FOLLOW_UP_KIND_LABELS",
    "FOLLOW_UP_OUTCOME_LABELS",
    "FOLLOW_UP_STATUS_LABELS",
    "FRAUD_TYPES",
    "FRAUD_TYPE_LABELS",
    "KEY_ACTION_LABELS",
    "KEY_ACTION_STATE_LABELS",
    "OBJECTION_LABELS",
    "ORDER_STATUS_LABELS",
    "PROFILE_GROUP_LABELS",
    "QUEUE_ITEM_KIND_LABELS",
    "QUEUE_ITEM_STATUS_LABELS",
    "RESULT_LABELS",
    "RISK_LEVEL_LABELS",
    "RISK_LEVEL_ORDER",
    "SIGNALS",
    "SIGNAL_LABELS",
    "SOURCE_LABELS",
    "UNREACHED_DISPOSITIONS",
    "TASK_KIND_LABELS",
    "TASK_STATUS_LABELS",
    "WARNING_STATUS_LABELS",
    "age_band",
]


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for code, low, high in AGE_BANDS:
        if low <= age <= high:
            return code
    return "unknown"
