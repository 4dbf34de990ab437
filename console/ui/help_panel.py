"""The shortcut help (F1): every key an operator uses all day, grouped by where it acts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from console.ui.outcome_panel import DISPOSITION_KEYS
from console.ui.script_view import KEY_ACTION_KEYS, OBJECTION_KEYS
from console.ui.tool_windows import fit_to_screen
from scripts_library.codes import DISPOSITION_LABELS, KEY_ACTION_LABELS, OBJECTION_LABELS

GENERAL_KEYS: tuple[tuple[str, str], ...] = (
    ("F1", "快捷键帮助"),
    ("F2", "下一条：领取并打开最紧急的一条（通话中不可用；有未保存内容时先询问）"),
    ("F5", "刷新队列"),
    ("F8", "退回队列（放弃当前条目）"),
    ("Enter / 双击", "队列中某一行：领取这一条（未被他人领取、手上没有未完成的条目时）"),
    ("Ctrl+F", "查找人员：电话（任意格式）、姓名、身份证号或预警编号；回车查看人员档案，F2 领取该条"),
    ("Ctrl+Shift+F", "当前预警对象的全部记录（预警、通话、上报、回访）"),
    ("Ctrl+B", "约定回拨：对方约定的时间一到排在本人队列最前"),
    ("Ctrl+R", "显示完整号码（选择查看原因，记入审计）"),
    ("Ctrl+C", "复制号码"),
    ("Ctrl+D", "拨号（配置了软电话时由本席位拨出，自动识别接通、占线、无人接听等结果）"),
    ("F6", "开始通话（计时，座机拨号时）"),
    ("F7", "结束通话 / 软电话挂断"),
    ("1 … 9", "选择对方的回答"),
    ("Backspace", "话术上一步"),
    ("Esc", "离开输入框，回到话术（数字键重新可用）；软电话通话中为挂断"),
    ("Ctrl+M", "填写保住金额"),
    ("Ctrl+N", "填写备注"),
    ("Ctrl+K", "核实关键动作（已做到的记为“已核实”，当事人答应的只算“已承诺”）"),
    ("Ctrl+E", "上报派出所（已有未办结指令时显示该指令，可催办/补充）"),
    ("Ctrl+T", "软电话通话中转接 110 或派出所值班电话"),
    ("Ctrl+Shift+M", "给当事人发“请立即挂断”短信（确认后发送）"),
    ("Ctrl+Enter", "保存通话结果"),
    ("Ctrl+L", "锁定屏幕（离开席位时；通话中不可用，草稿保留）"),
    ("Ctrl+I", "导入预警文件"),
    ("Ctrl+Shift+N", "人工录入来电预警"),
    ("F9", "值班长看板（值班长）"),
    ("F10", "报表与统计"),
    ("F11", "话术演练与复盘"),
    ("F12", "小休 / 恢复就绪（小休期间不分配新预警）"),
    ("Ctrl+Shift+L", "注销，换人登录（有未保存内容或领取的条目时先询问）"),
    ("Ctrl+Q", "退出（同上）"),
)


def shortcut_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """All shortcuts as (section, [(key, what)]) — the help panel and the tests read the same list."""
    return [
        ("常用", list(GENERAL_KEYS)),
        ("对方异议", [(OBJECTION_KEYS[i], label) for i, label in enumerate(OBJECTION_LABELS.values())]),
        ("关键动作（当事人答应，记为已承诺）", [(KEY_ACTION_KEYS[i], label) for i, label in enumerate(KEY_ACTION_LABELS.values())]),
        ("通话结果", [(DISPOSITION_KEYS[i], label) for i, label in enumerate(DISPOSITION_LABELS.values())]),
    ]


class HelpPanel(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("快捷键"))
        fit_to_screen(self, 560, 720)
        parts = []
        for section, rows in shortcut_rows():
            body = "".join(f"<tr><td style='padding-right:18px'><b>{key}</b></td><td>{what}</td></tr>"
                           for key, what in rows)
            parts.append(f"<h3>{section}</h3><table cellspacing='4'>{body}</table>")
        label = QLabel("".join(parts))
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setContentsMargins(12, 6, 12, 6)
        self.text = label
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(area)
        layout.addWidget(buttons)
