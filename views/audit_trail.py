"""The request's half of the audit trail: who acted, from where, on what (models/audit.py
holds the events and their queries).

A request that changes the database (any method but GET/HEAD/OPTIONS) while someone is
logged in gets one AuditEvent, added at its first flush of changes, so it is committed in
the same transaction as the change itself. The action is the endpoint
("editor.save_block"), the target comes from the URL ("bloc:40") or, for a creation, from
the new row ("article:12"). The details are the URL's other arguments and the choices
made in the forms the view validated: only fields those forms declare, so a field added
to the request by hand ("x-role=admin") never reaches the journal.
"""

from __future__ import annotations

import functools

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from flask_wtf import FlaskForm
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
    _remember_validated_forms()
    if not event.contains(Session, "after_flush", _note_change):
        event.listen(Session, "after_flush", _note_change)
        event.listen(Session, "after_flush_postexec", _add_event)


def _remember_validated_forms() -> None:
    """Keep, in `g`, every form validated during the request: the journal's details come
    only from the fields they declare.

    Flask-WTF has no signal for "a form was validated", and the views' forms have no base
    of their own, so FlaskForm.validate (which validate_on_submit() and every subclass's
    super().validate() call) is wrapped, once per process.
    """
    if getattr(FlaskForm.validate, "remembers_forms", False):
        return
    validate = FlaskForm.validate

    @functools.wraps(validate)
    def validate_and_remember(form, *args, **kwargs):
        if has_request_context():
            g.setdefault("audit_forms", []).append(form)
        return validate(form, *args, **kwargs)

    validate_and_remember.remembers_forms = True
    FlaskForm.validate = validate_and_remember


def _remember_actor() -> None:
    # Read once, before the view runs: logging in or out midway does not change who acted.
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        g.audit_actor_id = current_user.id


def _already_recorded(session) -> bool:
    return bool(session.info.get(RECORDED))


def _note_change(session, _flush_context) -> None:
    if not has_request_context() or _already_recorded(session) or "audit_target" in g:
        return
    if g.get("audit_actor_id") is None or not (session.new or session.dirty or session.deleted):
        return
    g.audit_target = _target_from_url() or _target_from_new_rows(session.new)


def _add_event(session, _flush_context) -> None:
    if not has_request_context() or _already_recorded(session) or "audit_target" not in g:
        return
    session.info[RECORDED] = True
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
    """The URL's other arguments and the choices made in the validated forms; never typed
    text, never a field the forms do not declare.

    A choice is kept when its field's name (without the form's prefix: "u12-role" is
    "role") is in CHOICE_FIELDS, the field was posted and it passed validation.
    """
    arguments = request.view_args or {}
    primary = next((name for name, _label in TARGET_ARGUMENTS if name in arguments), None)
    detail = {
        name.removesuffix("_id"): value for name, value in arguments.items() if name != primary
    }
    for form in g.get("audit_forms", ()):
        for field in form:
            if (
                field.short_name in CHOICE_FIELDS
                and field.name in request.form
                and not field.errors
            ):
                detail[field.short_name] = request.form[field.name]
    return {key: str(value)[:MAX_VALUE_LENGTH] for key, value in list(detail.items())[:8]}
