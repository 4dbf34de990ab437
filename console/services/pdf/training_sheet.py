"""The printable rehearsal score sheet: scenario, score, key actions, objections, hidden facts, timing,
step-by-step feedback (what the trainee did, a model answer and why) and the transcript.

Every figure comes from the same run, so the sheet cannot say "no key action obtained" next to a time
for the first key action.  The unit (单位全称 from the centre settings) heads the sheet and every page
header, whoever prints it: :func:`build_training_sheet` takes the service context, not a name."""

from __future__ import annotations

from pathlib import Path

from console.services.core.context import ServiceContext
from console.services.pdf import styles as S
from console.services.training.rehearsal import ScoreCard


def _seconds(value: float | None) -> str:
    if value is None:
        return "未取得"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes}分{seconds:02d}秒" if minutes else f"{seconds}秒"


SPEAKERS = {"trainee": "学员", "person": "模拟对象", "answer": "记录的回答"}


def _first_action(card: ScoreCard) -> str:
    if not card.obtained_actions or card.time_to_first_key_action_s is None:
        return "未取得"
    return _seconds(card.time_to_first_key_action_s)


def build_training_sheet(ctx: ServiceContext, out_path: str | Path, card: ScoreCard) -> int:
    """Write the score sheet for one rehearsal: the unit's name from ``ctx.settings.centre``, times on
    the centre's clock; returns the page count."""
    centre = ctx.settings.centre.printed_name
    clock = ctx.centre_clock
    st = S.sheet_styles()
    missing = tuple(c for c in card.required_actions if c not in card.obtained_actions)
    unhandled = tuple(c for c in card.objections_raised if c not in card.objections_handled)
    story = [
        S.para(centre, st.heading),
        S.para("劝阻演练评分表", st.title),
        S.key_value_table(
            [
                ("学员", card.trainee),
                ("演练编号", f"R-{card.rehearsal_id}"),
                ("场景", card.scenario_title),
                ("难度", card.difficulty_label),
                ("结果", card.outcome_label),
                ("开始时间", clock.format(card.started_at)),
                ("用时", _seconds(card.duration_s)),
                ("总分", f"{card.score} / 100"),
                ("最终抵触度", f"{card.final_resistance} / 100"),
            ],
            st,
        ),
        S.para("评分要点", st.heading),
        S.data_table(
            [
                ["项目", "情况"],
                ["必须取得的关键动作", card.action_labels(card.required_actions)],
                ["已取得", card.action_labels(card.required_obtained)],
                ["未取得", card.action_labels(missing)],
                ["对方提出的异议", card.objection_labels(card.objections_raised)],
                ["已化解", card.objection_labels(card.objections_handled)],
                ["未化解", card.objection_labels(unhandled)],
                ["首个关键动作用时", _first_action(card)],
                ["问出的隐藏情况", card.question_labels(card.facts_revealed)],
                ["没问出的隐藏情况", card.question_labels(card.facts_missed)],
                ["踩中的陷阱", card.action_labels(card.trapped)],
                ["没走到的必要步骤", card.step_labels(card.steps_missing)],
                ["跳过的核查步骤", card.step_labels(card.steps_skipped)],
                ["忽略异议", f"{card.ignored} 次"],
                ["责备对方", f"{card.blamed} 次"],
                ["记错对方的回答", f"{card.misread} 次"],
            ],
            st,
            col_widths=[42 * S.mm, None],
        ),
    ]
    if card.feedback:
        story.append(S.para("分步点评", st.heading))
        steps: list[list[object]] = [["步骤", "学员的做法", "示范做法", "为什么"]]
        for item in card.feedback:
            chosen = item.chosen + ("（与示范一致）" if item.matched else "")
            steps.append([item.step_title or "（步骤）", chosen, "—" if item.matched else item.model,
                          "—" if item.matched else item.why])
        story.append(S.data_table(steps, st, col_widths=[26 * S.mm, None, None, None]))
    story.append(S.para("通话记录（模拟对象为虚构人物）", st.heading))
    rows: list[list[object]] = [["说话人", "内容"]]
    rows += [[SPEAKERS.get(speaker, speaker), text] for speaker, text in card.transcript]
    story.append(S.data_table(rows, st, col_widths=[24 * S.mm, None]))
    story.append(S.para("签字（培训员）：____________    日期：____________", st.body))
    return S.build_pdf(out_path, story, S.PageSetup(title="劝阻演练评分表", centre=centre, confidential=False))
