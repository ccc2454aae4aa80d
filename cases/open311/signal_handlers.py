"""Notice a change of a case's status, for the webhooks of the system that filed it."""

from __future__ import annotations

from django.db.models.signals import post_init, post_save


def _remember_status(sender, instance, **kwargs):
    instance._open311_loaded_status = instance.__dict__.get("status")


def _status_saved(sender, instance, created, **kwargs):
    old = getattr(instance, "_open311_loaded_status", None)
    new = instance.status
    instance._open311_loaded_status = new
    if created or kwargs.get("raw") or old == new or not instance.api_key_id:
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "status" not in update_fields:
        return
    from cases.open311.webhooks import record_status_change

    record_status_change(instance, old)


def connect() -> None:
    from cases.models import Case

    post_init.connect(_remember_status, sender=Case, dispatch_uid="open311_remember_status")
    post_save.connect(_status_saved, sender=Case, dispatch_uid="open311_status_saved")
