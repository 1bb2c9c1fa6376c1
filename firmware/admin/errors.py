"""What the admin operations raise when a person asks for something wrong."""
from __future__ import annotations

from firmware.access.permissions import RoleError
from firmware.access.tokens import ApiKeyError
from firmware.apps.forwarding.config import ForwardingError
from firmware.apps.ivr.config import IvrError
from firmware.apps.ringgroups.config import RingGroupError
from firmware.apps.voicemail.store import MailboxError
from firmware.conference.rooms import RoomError
from firmware.dect.pairing import DectPairingError
from firmware.dialplan.cos import CosError
from firmware.dialplan.numbering import PlanError
from firmware.door.config import DoorError
from firmware.modes.timetable import TimetableError
from firmware.queues.config import QueueError
from firmware.recording.mail import RecordingMailError
from firmware.recording.policy import PolicyError
from firmware.store.extensions import ExtensionError
from firmware.store.passwords import WeakPasswordError
from firmware.store.settings import SettingError
from firmware.trunks.config import TrunkError
from firmware.trunks.inbound import RouteError
from firmware.webhooks.subscriptions import WebhookError


class NotFound(LookupError):
    """The thing asked for does not exist; the message names it and where to look."""


# Refused input: the message names the bad value and what is accepted (HTTP 422, CLI exit 1).
INPUT_ERRORS: tuple[type[Exception], ...] = (
    ExtensionError, WeakPasswordError, SettingError, TimetableError, RoleError, ApiKeyError, TrunkError,
    RouteError, CosError, PlanError, WebhookError, ForwardingError,
    RingGroupError, PolicyError, RoomError, RecordingMailError, QueueError, IvrError, DoorError,
    DectPairingError, MailboxError,
)
