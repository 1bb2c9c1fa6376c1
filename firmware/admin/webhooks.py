"""Webhook subscriptions and their delivery log."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.webhooks import subscriptions
from firmware.webhooks.events import EVENTS
from firmware.webhooks.outbox import delivery_log


class NewWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(examples=["crm"])
    url: str = Field(examples=["https://crm.example.com/pbx-events"])
    events: list[str] = Field(default=list(EVENTS), description=f"any of: {', '.join(EVENTS)}")


class WebhookView(BaseModel):
    name: str
    url: str
    events: list[str]


class CreatedWebhook(BaseModel):
    webhook: WebhookView
    secret: str = Field(description="shown once: the receiver checks X-Minipbx-Signature with it")


class DeliveryView(BaseModel):
    id: int
    event: str
    created_at: str
    attempts: int
    delivered_at: str
    next_attempt_at: str = Field(description="'' once delivered or given up")
    last_error: str


def _view(hook: subscriptions.Webhook) -> WebhookView:
    return WebhookView(name=hook.name, url=hook.url, events=list(hook.events))


def add(admin: Admin, new: NewWebhook) -> CreatedWebhook:
    hook = subscriptions.add_webhook(admin.db, new.name, new.url, new.events)
    admin.audit("webhook.add", name=hook.name, url=hook.url, events=",".join(hook.events))
    return CreatedWebhook(webhook=_view(hook), secret=hook.secret)


def list_all(admin: Admin) -> list[WebhookView]:
    return [_view(h) for h in subscriptions.list_webhooks(admin.db)]


def remove(admin: Admin, name: str) -> None:
    if not subscriptions.remove_webhook(admin.db, name):
        raise NotFound(f"webhook {name} does not exist; see `minipbx webhook list`")
    admin.audit("webhook.remove", name=name)


def deliveries(admin: Admin, name: str, limit: int = 50) -> list[DeliveryView]:
    if name not in {h.name for h in subscriptions.list_webhooks(admin.db)}:
        raise NotFound(f"webhook {name} does not exist; see `minipbx webhook list`")
    return [DeliveryView(**entry.__dict__) for entry in delivery_log(admin.db, name, limit)]
