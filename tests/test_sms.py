"""SMS warnings against the project's own SMSC simulator (real SMPP on 127.0.0.1): the received
messages decode to the rendered template, long text arrives in parts that reassemble, flash uses
data_coding 0x18, receipts are recorded, and rate limits, quiet hours and opt-outs hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from console.app.bootstrap import Database
from console.services.core.context import PermissionDenied, ServiceContext, ServiceError
from console.services.messaging.sms import service
from console.services.messaging.sms.encoding import count_parts, encode_message
from console.services.messaging.sms.settings import SmsSettings, load_sms_settings
from console.services.messaging.sms.templates import parse_templates
from console.services.security import auth
from db.models import AuditEvent, Person, SmsMessage, SmsOptOut, SmsReceipt, Warning
from tests.queue_helpers import FakeClock, add_warning
from tests.smsc_sim import SmscSimulator, running_smsc

ROOT = Path(__file__).resolve().parents[1]
DAYTIME = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)  # 11:00 in the centre


@pytest.fixture
def smsc() -> Iterator[SmscSimulator]:
    with running_smsc() as simulator:
        yield simulator


@pytest.fixture
def settings(smsc: SmscSimulator) -> SmsSettings:
    return dataclasses.replace(load_sms_settings(environ={}), port=smsc.port, system_id="centre",
                               password="secret", receipt_wait_s=5, centre_name="某县公安局反诈中心",
                               signature="【某县公安局反诈中心】",
                               per_hour=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DAYTIME)


@pytest.fixture
def ctx(database: Database, clock: FakeClock) -> ServiceContext:
    return dataclasses.replace(database.context(), clock=clock)


def elderly_warning(ctx: ServiceContext, fraud_type: str = "impersonate_authority") -> tuple[int, str]:
    warning_id, _item = add_warning(ctx, fraud_type=fraud_type, age=70, name="王秀英", received_at=DAYTIME)
    with ctx.session() as session:
        person = session.get_one(Warning, warning_id).person
        person.sex = "F"
        return warning_id, person.phone


def test_the_person_receives_the_rendered_template_in_ucs2_and_the_receipt_is_recorded(
        ctx: ServiceContext, smsc: SmscSimulator, settings: SmsSettings) -> None:
    warning_id, phone = elderly_warning(ctx)
    preview = service.preview_warning_sms(ctx, warning_id, "hang_up_now", settings)
    assert preview.text.startswith("【某县公安局反诈中心】王阿姨，请立即挂断")
    assert preview.phone_masked == f"{phone[:3]}****{phone[-4:]}" and preview.refusal == ""
    result = service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=settings)
    assert smsc.messages() == [(phone, preview.text, preview.parts)]
    assert {part.data_coding for part in smsc.parts} == {8}
    assert result.status == "delivered" and result.message_id == smsc.parts[0].message_id
    with ctx.session() as session:
        row = session.get_one(SmsMessage, result.sms_id)
        assert (row.status, row.parts, row.text) == ("delivered", preview.parts, preview.text)
        receipts = session.execute(select(SmsReceipt)).scalars().all()
        assert [(r.sms_message_id, r.state) for r in receipts] == [(row.id, "DELIVRD")] * preview.parts
        entry = session.execute(select(AuditEvent).where(AuditEvent.action == "sms_send")).scalar_one()
        assert entry.details["phone"] == preview.phone_masked and phone not in json.dumps(entry.details)


def test_long_text_arrives_in_parts_that_reassemble(ctx: ServiceContext, smsc: SmscSimulator,
                                                    settings: SmsSettings) -> None:
    warning_id, phone = elderly_warning(ctx, "fake_investment")
    long_text = ("{address_form}，带您投资、保证高收益的“老师”和平台都是假的，提现要交钱就是骗局。"
                 "请不要再转钱，不要下载对方发来的软件，不要开启屏幕共享，也不要把验证码告诉任何人。"
                 "反诈中心民警会尽快联系您，有疑问请拨打96110。")
    templates = {**(settings.templates or {}), **parse_templates({"long": {"situation": "busy", "text": long_text}})}
    settings = dataclasses.replace(settings, templates=templates)
    result = service.send_warning_sms(ctx, warning_id, "long", settings=settings)
    text = result.text
    assert len(text) > 70 and result.parts == count_parts(text) == 2
    assert len(smsc.parts) == result.parts
    assert all(part.esm_class & 0x40 and len(part.short_message) <= 140 for part in smsc.parts)
    assert smsc.messages() == [(phone, text, result.parts)]
    with ctx.session() as session:
        assert session.get_one(SmsMessage, result.sms_id).status == "delivered"


def test_flash_messages_use_data_coding_0x18(ctx: ServiceContext, smsc: SmscSimulator, settings: SmsSettings) -> None:
    warning_id, _phone = elderly_warning(ctx)
    service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=settings, flash=True)
    assert {part.data_coding for part in smsc.parts} == {0x18}


def test_an_undelivered_receipt_marks_the_message(ctx: ServiceContext, smsc: SmscSimulator,
                                                  settings: SmsSettings) -> None:
    smsc.receipt_state = "UNDELIV"
    warning_id, _phone = elderly_warning(ctx)
    result = service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=settings)
    assert result.status == "undelivered"


def test_receipts_collected_later_are_recorded(ctx: ServiceContext, smsc: SmscSimulator,
                                               settings: SmsSettings) -> None:
    warning_id, phone = elderly_warning(ctx)
    result = service.send_warning_sms(ctx, warning_id, "hang_up_now",
                                      settings=dataclasses.replace(settings, receipt_wait_s=0))
    assert result.status == "submitted"
    smsc.send_reply(phone, "TD")  # the person also asks for no more messages
    receipts, opt_outs = service.collect_receipts(ctx, 3, settings=settings)
    assert (receipts, opt_outs) == (1, 1)
    with ctx.session() as session:
        assert session.get_one(SmsMessage, result.sms_id).status == "delivered"
        assert session.execute(select(SmsOptOut.phone)).scalar_one() == phone
    with pytest.raises(service.SmsRefused, match="退订"):
        service.send_warning_sms(ctx, warning_id, "after_call", settings=settings)


def test_per_person_limit_quiet_hours_and_hourly_limit_hold(ctx: ServiceContext, clock: FakeClock,
                                                            smsc: SmscSimulator, settings: SmsSettings) -> None:
    limited = dataclasses.replace(settings, per_person_per_day=2, receipt_wait_s=0)
    warning_id, _phone = elderly_warning(ctx)
    for template in ("hang_up_now", "after_call"):
        service.send_warning_sms(ctx, warning_id, template, settings=limited)
    with pytest.raises(service.SmsRefused, match="每人每天 2 条"):
        service.send_warning_sms(ctx, warning_id, "follow_up", settings=limited)
    assert service.preview_warning_sms(ctx, warning_id, "follow_up", limited).refusal
    clock.advance(hours=11)  # 22:00 in the centre
    other_id, _ = elderly_warning(ctx)
    with pytest.raises(service.SmsRefused, match="免打扰"):
        service.send_warning_sms(ctx, other_id, "hang_up_now", settings=limited)
    clock.advance(hours=10)  # 08:00 the next day: the person's daily count starts again
    service.send_warning_sms(ctx, warning_id, "follow_up", settings=limited)
    for _ in range(2):
        service.send_warning_sms(ctx, elderly_warning(ctx)[0], "hang_up_now", settings=limited)
    assert len(smsc.messages()) == 5
    with pytest.raises(service.SmsRefused, match="每小时 3 条"):  # three of them in the last hour
        service.send_warning_sms(ctx, other_id, "hang_up_now", settings=dataclasses.replace(limited, per_hour=3))
    assert len(smsc.messages()) == 5  # nothing left the console when a rule said no


def test_gateway_failures_are_clear_and_recorded(ctx: ServiceContext, smsc: SmscSimulator,
                                                 settings: SmsSettings, caplog: pytest.LogCaptureFixture) -> None:
    warning_id, phone = elderly_warning(ctx)
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceError, match="拒绝登录"):
        service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=dataclasses.replace(settings, password="x"))
    assert phone not in caplog.text
    with ctx.session() as session:
        row = session.execute(select(SmsMessage)).scalar_one()
        assert row.status == "failed" and "拒绝登录" in row.error
    closed = dataclasses.replace(settings, port=1)
    with pytest.raises(ServiceError, match="无法连接短信网关"):
        service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=closed)
    with pytest.raises(ServiceError, match="CMPP 3.0.*尚未实现"):
        service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=dataclasses.replace(settings, gateway="cmpp3"))
    with pytest.raises(ServiceError, match="没有名为"):
        service.preview_warning_sms(ctx, warning_id, "no_such", settings)
    with pytest.raises(ServiceError, match="不适用于"):
        service.preview_warning_sms(ctx, warning_id, "busy_rebate", settings)


def test_trainers_may_not_send(ctx: ServiceContext, make_actor, settings: SmsSettings) -> None:  # type: ignore[no-untyped-def]
    warning_id, _ = elderly_warning(ctx)
    with pytest.raises(PermissionDenied):
        service.send_warning_sms(ctx.as_actor(make_actor("trainer1", "trainer")), warning_id, "hang_up_now",
                                 settings=settings)


def test_templates_with_links_or_unknown_placeholders_are_refused(tmp_path: Path) -> None:
    for text, reason in (("请点击 http://a.cn 查询", "链接"), ("详见 www.example.com", "链接"),
                         ("访问t.cn/abc", "链接"), ("登录 fanzha.top 领取", "链接"), ("{name}您好", "未知占位符")):
        path = tmp_path / "sms.yaml"
        path.write_text(json.dumps({"templates": {"x": {"situation": "busy", "text": text}}}, ensure_ascii=False),
                        encoding="utf-8")
        with pytest.raises(ServiceError, match=reason):
            load_sms_settings(path, environ={})
    shipped = load_sms_settings(environ={})
    assert "hang_up_now" in (shipped.templates or {})


def test_environment_overrides_the_connection() -> None:
    settings = load_sms_settings(environ={"DISSUADE_SMPP": "smpp://fz%40county:p%3Ass@smsc.example:2776"})
    assert (settings.system_id, settings.password, settings.host, settings.port) == (
        "fz@county", "p:ss", "smsc.example", 2776)
    with pytest.raises(ServiceError, match="DISSUADE_SMPP"):
        load_sms_settings(environ={"DISSUADE_SMPP": "http://x"})


def test_encoding_never_splits_a_character() -> None:
    text = "请" * 60 + "😀" * 20
    encoded = encode_message(text, reference=7)
    joined = b"".join(part[6:] for part in encoded.parts).decode("utf-16-be")
    assert joined == text and all(len(part) <= 140 for part in encoded.parts)
    assert [part[:6] for part in encoded.parts][0] == bytes((5, 0, 3, 7, encoded.count, 1))


def test_cli_templates_and_send(sqlite_db: Database, smsc: SmscSimulator, tmp_path: Path) -> None:
    ctx = dataclasses.replace(sqlite_db.context())
    warning_id, phone = elderly_warning(ctx)
    auth.add_user(ctx, "sms-op", "secret-pass", "operator")
    login = ["--as", "sms-op", "--password-stdin"]
    url = str(sqlite_db.engine.url)
    data = tmp_path / "data"
    data.mkdir()
    (data / "sms.yaml").write_text('quiet_hours: ""\n', encoding="utf-8")  # the centre's override file
    env = {"DISSUADE_SMPP": f"smpp://centre:secret@127.0.0.1:{smsc.port}", "DISSUADE_DB": url,
           "DISSUADE_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    listing = subprocess.run([sys.executable, "-m", "console.cli", "sms", "templates", "--json"], env=env,
                             capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert listing.returncode == 0, listing.stderr
    names = {item["name"]: item for item in json.loads(listing.stdout)}
    assert names["hang_up_now"]["text"].startswith("【")
    sent = subprocess.run([sys.executable, "-m", "console.cli", "sms", "send", "--warning", str(warning_id),
                           "--template", "hang_up_now", "--json", *login], env=env, input="secret-pass\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert sent.returncode == 0, sent.stderr
    document = json.loads(sent.stdout)
    assert document["parts"] == 1 and document["status"] in {"submitted", "delivered"}
    assert document["message_id"] == smsc.parts[0].message_id and phone not in sent.stdout
    missing = subprocess.run([sys.executable, "-m", "console.cli", "sms", "send", "--warning", "999999",
                              "--template", "hang_up_now", *login], env=env, input="secret-pass\n",
                             capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert missing.returncode == 1 and "不存在" in missing.stderr and "Traceback" not in missing.stderr
    with sqlite_db.context().session() as session:
        assert session.execute(select(Person.id)).first() is not None


@pytest.mark.postgres
def test_two_seats_cannot_both_take_the_last_slot(pg_db: Database, smsc: SmscSimulator, settings: SmsSettings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ctx = dataclasses.replace(pg_db.context(), clock=FakeClock(DAYTIME))
    warning_id, _phone = elderly_warning(ctx)
    once = dataclasses.replace(settings, per_person_per_day=1, receipt_wait_s=0)

    def send(template: str) -> str:
        try:
            return service.send_warning_sms(ctx, warning_id, template, settings=once).status
        except service.SmsRefused:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(send, ["hang_up_now", "after_call"]))
    assert outcomes == ["refused", "submitted"]
    assert len(smsc.messages()) == 1


def test_retention_erases_the_number_and_text_of_old_sms(ctx: ServiceContext, clock: FakeClock, smsc: SmscSimulator,
                                                          settings: SmsSettings) -> None:
    from console.services.people.retention import apply_retention

    warning_id, phone = elderly_warning(ctx)
    result = service.send_warning_sms(ctx, warning_id, "hang_up_now", settings=settings)
    with ctx.session() as session:
        warning = session.get_one(Warning, warning_id)
        warning.status, warning.closed_at = "closed", DAYTIME
    clock.advance(days=400)
    apply_retention(ctx, older_than_days=365)
    with ctx.session() as session:
        row = session.get_one(SmsMessage, result.sms_id)
        assert (row.phone, row.text, row.status, row.parts) == (f"erased-sms-{row.id}", "", "delivered", 1)
        assert session.execute(select(SmsMessage.id).where(SmsMessage.phone == phone)).first() is None


def test_a_supervisor_sends_a_template_to_a_selection(ctx: ServiceContext, make_actor, smsc: SmscSimulator,  # type: ignore[no-untyped-def]
                                                      settings: SmsSettings) -> None:
    first, phone1 = elderly_warning(ctx)
    second, phone2 = elderly_warning(ctx)
    service.add_opt_out(ctx, phone2, "本人要求")
    supervisor = ctx.as_actor(make_actor("duty1", "supervisor"))
    outcomes = service.send_to_warnings(supervisor, [first, second, 999999], "after_call", settings=settings)
    assert [(o.warning_id, o.status) for o in outcomes] == [(first, "delivered"), (second, "refused"),
                                                             (999999, "failed")]
    assert [dest for dest, _text, _parts in smsc.messages()] == [phone1]
    assert smsc.binds == ["bind_transceiver"]  # one connection for the whole selection
    with pytest.raises(PermissionDenied):
        service.send_to_warnings(ctx.as_actor(make_actor("op9")), [first], "after_call", settings=settings)
