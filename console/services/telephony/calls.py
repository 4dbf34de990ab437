"""What a placed call leaves behind: the audited dial event, the recording row and, for a warning,
the call attempt written like one from the workstation.
"""

from __future__ import annotations

import uuid

from console.services.calls.log import CallLog, LoggedCall, log_call
from console.services.core import audit
from console.services.core.context import ServiceContext
from console.services.core.masking import mask_phone
from console.services.telephony.dialer import CallResult
from console.services.telephony.recordings import register_recording


def record_dial(ctx: ServiceContext, result: CallResult, number: str, *, call_uuid: str,
                warning_id: int | None, inbound: bool = False) -> int | None:
    """The audit entry of one dial or inbound call (number masked) and the recording's row; returns its id."""
    with ctx.session() as session:
        recording_id = None
        if result.recording is not None:
            recording_id = register_recording(session, ctx, call_uuid, result.recording, warning_id=warning_id)
        audit.record(session, ctx.actor, "inbound_call" if inbound else "dial",
                     object_type="warning" if warning_id else "phone", object_id=warning_id or "",
                     reason="来电" if inbound else "外呼",
                     details={"number": mask_phone(number), "outcome": result.outcome, "sip_code": result.sip_code,
                              "ring_s": round(result.ring_s, 2), "talk_s": round(result.talk_s, 2),
                              "ended_by": result.ended_by, "call_uuid": call_uuid, "recording_id": recording_id,
                              "transferred_to": mask_phone(result.transferred_to)},
                     at=ctx.now())
        return recording_id


def log_dialled_call(ctx: ServiceContext, warning_id: int, number: str, result: CallResult, *,
                     call_uuid: str | None = None, disposition: str = "", queue_item_id: int | None = None,
                     notes: str = "") -> LoggedCall:
    """Write the attempt of a call placed outside the workstation (the CLI), as the GUI would."""
    chosen = disposition or result.disposition or ("hung_up" if result.connected else "no_answer")
    log = CallLog(
        client_uuid=call_uuid or str(uuid.uuid4()), warning_id=warning_id, queue_item_id=queue_item_id,
        started_at=result.answered_at or result.started_at, ended_at=result.ended_at, connected=result.connected, disposition=chosen,
        notes=notes, dialled_number=number,
    )
    return log_call(ctx, log)
