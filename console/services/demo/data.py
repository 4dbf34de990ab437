"""Static material for the demo county: stations, communities, name pools, fraud-type mix.

Everything here is fictional (明湖县 does not exist); phone and ID numbers are valid in format only.
"""

from __future__ import annotations

from typing import Final

CENTRE_NAME: Final = "明湖县公安局反诈中心"
COUNTY: Final = "明湖县"
REGION_CODE: Final = "329901"  # fictional county code inside a real province prefix: valid format only

# (code, name, duty phone, towns, communities, keywords)
STATIONS: Final[tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]] = (
    ("CG", "城关派出所", "0571-86010110", ("城关镇",), ("解放路社区", "人民路社区", "文昌社区"), ("县政府", "步行街")),
    ("DH", "东湖派出所", "0571-86020110", ("东湖街道",), ("东湖社区", "湖滨社区", "望湖社区"), ("东湖大道",)),
    ("NQ", "南桥派出所", "0571-86030110", ("南桥镇",), ("南桥社区", "新桥村"), ("南桥工业园",)),
    ("XS", "西山派出所", "0571-86040110", ("西山乡",), ("西山村", "竹林村"), ("西山景区",)),
    ("BL", "北岭派出所", "0571-86050110", ("北岭镇",), ("北岭社区", "岭下村"), ("北岭矿区",)),
    ("LT", "柳塘派出所", "0571-86060110", ("柳塘镇",), ("柳塘社区", "荷花村"), ("柳塘中学",)),
    ("SM", "石门派出所", "0571-86070110", ("石门镇",), ("石门社区", "石桥村"), ("石门水库",)),
    ("QS", "青石派出所", "0571-86080110", ("青石街道",), ("青石社区", "书院社区"), ("明湖职业技术学院", "大学城")),
    ("BS", "白沙派出所", "0571-86090110", ("白沙镇",), ("白沙社区", "沙洲村"), ("白沙码头",)),
    ("ML", "梅岭派出所", "0571-86100110", ("梅岭乡",), ("梅岭村", "茶园村"), ("梅岭茶场",)),
)

STREETS: Final = ("幸福路", "建设路", "长青路", "新华街", "光明巷", "和平路", "朝阳路", "桂花巷", "湖光路", "枫林路")

SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_FEMALE: Final = ("晓岚", "静怡", "雨桐", "秀英", "桂芳", "玉兰", "丽娟", "婉清", "思琪", "梦瑶", "淑珍", "海燕", "慧敏", "若溪", "佳音")
GIVEN_MALE: Final = ("建国", "志强", "浩然", "宇航", "国庆", "德华", "永福", "子轩", "俊杰", "明远", "振东", "文博", "天佑", "家豪", "立新")

# Share of warnings per fraud type (sums to 1), after the published national and local patterns.
FRAUD_MIX: Final[tuple[tuple[str, float], ...]] = (
    ("task_rebate", 0.31),
    ("fake_investment", 0.12),
    ("fake_loan", 0.10),
    ("fake_customer_service", 0.10),
    ("romance_investment", 0.08),
    ("impersonate_authority", 0.07),
    ("fake_credit_repair", 0.06),
    ("fake_shopping", 0.06),
    ("game_trading", 0.03),
    ("impersonate_leader", 0.03),
    ("elderly_health_pension", 0.02),
    ("impersonate_military_purchase", 0.01),
    ("tool_person", 0.005),
    ("other", 0.005),
)

# Typical age ranges per type (min, max) used to draw a plausible victim.
AGE_RANGE: Final[dict[str, tuple[int, int]]] = {
    "task_rebate": (18, 45),
    "fake_investment": (28, 62),
    "fake_loan": (20, 45),
    "fake_customer_service": (20, 60),
    "romance_investment": (25, 50),
    "impersonate_authority": (19, 78),
    "fake_credit_repair": (20, 30),
    "fake_shopping": (16, 50),
    "game_trading": (13, 24),
    "impersonate_leader": (28, 55),
    "elderly_health_pension": (62, 85),
    "impersonate_military_purchase": (30, 60),
    "tool_person": (17, 28),
    "other": (18, 70),
}

SIGNAL_CHANCES: Final[tuple[tuple[str, float], ...]] = (
    ("screen_sharing", 0.12),
    ("on_call_now", 0.22),
    ("transfer_pending", 0.18),
    ("cash_withdrawal", 0.05),
    ("fraud_app_installed", 0.30),
    ("visited_fraud_site", 0.25),
    ("remote_control_app", 0.04),
)

SOURCES: Final = (("platform", 0.82), ("hotline_96110", 0.06), ("bank", 0.06), ("grid_worker", 0.03), ("relative", 0.03))

APPS: Final = ("极速赚", "鑫盛财富", "易贷通", "安心理赔", "星途交友", "云购优选", "游侠宝")

NOTES_BY_OUTCOME: Final[dict[str, tuple[str, ...]]] = {
    "dissuaded": ("当事人已停止转账，卸载软件，家属知情", "经核实为刷单骗局，当事人表示理解", "已指导安装国家反诈中心App"),
    "refused": ("当事人情绪激动，坚称对方是正规平台", "拒绝沟通并挂断，建议上门"),
    "victimized": ("当事人已转出资金，已指导报案并联系银行止付",),
    "false_positive": ("核实为正常业务往来",),
}
