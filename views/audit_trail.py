"""The request's half of the audit trail: who acted, from where, on what (models/audit.py
holds the events and their queries).

A request that changes the database (any method but GET/HEAD/OPTIONS) while someone is
logged in gets one AuditEvent, added at its first flush of changes, so it is committed in
the same transaction as the change itself. The action is the endpoint
("editor.save_block"), the target comes from the URL ("bloc:40") or, for a creation, from
the new row ("article:12").
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from models.audit import (
    CHOICE_FIELDS,
    MAX_VALUE_LENGTH,
    RECORDED,
    SAFE_METHODS,
    TARGET_ARGUMENTS,
    TARGET_TABLES,
    AuditEvent,
)


def client_address() -> str:
    """The client's address as Flask sees it (after ProxyFix), or "" outside a request."""
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def track_changes(app: Flask) -> None:
    """Record every database change made by a logged-in person's request (see above)."""
    app.before_request(_remember_actor)
    if not event.contains(Session, "after_flush", _note_change):
        event.listen(Session, "after_flush", _note_change)
        event.listen(Session, "after_flush_postexec", _add_event)


def _remember_actor() -> None:
    # Read once, before the view runs: logging in or out midway does not change who acted.
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        g.audit_actor_id = current_user.id


def _already_recorded(session) -> bool:
    return bool(session.info.get(RECORDED)) or g.get("audit_recorded", False)


def _note_change(session, _flush_context) -> None:
    if not has_request_context() or _already_recorded(session) or "audit_target" in g:
        return
    if g.get("audit_actor_id") is None or not (session.new or session.dirty or session.deleted):
        return
    g.audit_target = _target_from_url() or _target_from_new_rows(session.new)


def _add_event(session, _flush_context) -> None:
    if not has_request_context() or _already_recorded(session) or "audit_target" not in g:
        return
    g.audit_recorded = True
    session.add(
        AuditEvent(
            action=(request.endpoint or request.path)[:80],
            user_id=g.audit_actor_id,
            target=g.audit_target,
            detail=_detail(),
            ip=client_address(),
        )
    )


def _target_from_url() -> str:
    arguments = request.view_args or {}
    for name, label in TARGET_ARGUMENTS:
        if name in arguments:
            return f"{label}:{arguments[name]}"
    return ""


def _target_from_new_rows(new_rows) -> str:
    found = {getattr(row, "__tablename__", ""): row for row in new_rows}
    for table, label in TARGET_TABLES.items():
        if table in found and getattr(found[table], "id", None) is not None:
            return f"{label}:{found[table].id}"
    return ""


def _detail() -> dict:
    """The URL's other arguments and the choices made in the form; never typed text."""
    arguments = request.view_args or {}
    primary = next((name for name, _label in TARGET_ARGUMENTS if name in arguments), None)
    detail = {
        name.removesuffix("_id"): value for name, value in arguments.items() if name != primary
    }
    for field, value in request.form.items():
        name = field.rpartition("-")[2]
        if name in CHOICE_FIELDS:
            detail[name] = value
    return {key: str(value)[:MAX_VALUE_LENGTH] for key, value in list(detail.items())[:8]}
