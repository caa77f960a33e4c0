"""Accounts, for admins: invite people, change roles, deactivate accounts."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from models import User, db
from models.user import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    MIN_PASSWORD_LENGTH,
    PASSWORD_INPUT_MAX,
    Role,
    password_problem,
)
from views.access import admin_required, register_staff_link
from views.forms import EmptyForm, Form
from views.pages import or_404

bp = Blueprint("admin", __name__, url_prefix="/redaction/comptes")
register_staff_link("admin.users", _l("Comptes"), visible_to=lambda user: user.is_admin)

INVITATION_MAX_AGE = 7 * 24 * 3600
ROLE_CHOICES = [
    SelectChoice(Role.AUTHOR.value, _l("Auteur (ses propres articles)")),
    SelectChoice(Role.EDITOR.value, _l("Éditeur (tous les articles, demandes de sponsoring)")),
    SelectChoice(Role.ADMIN.value, _l("Administrateur (tout, y compris les comptes)")),
]


class InviteForm(Form):
    email = EmailField(
        _l("Adresse électronique"),
        validators=[
            DataRequired(_l("Indiquez une adresse électronique.")),
            Email(_l("Cette adresse électronique n’est pas valide.")),
            Length(max=EMAIL_MAX),
        ],
    )
    display_name = StringField(
        _l("Nom affiché"),
        validators=[DataRequired(_l("Indiquez le nom affiché.")), Length(max=DISPLAY_NAME_MAX)],
    )
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES, default=Role.AUTHOR.value)

    def validate_email(self, field):
        if User.email_taken(field.data):
            raise ValidationError(_l("Un compte existe déjà pour cette adresse."))


class RoleForm(Form):
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES)


class SetPasswordForm(Form):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(max=PASSWORD_INPUT_MAX),
        ],
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[EqualTo("password", _l("Les deux mots de passe diffèrent."))],
    )

    def __init__(self, email: str, **kwargs):
        super().__init__(**kwargs)
        self.email = email

    def validate_password(self, field):
        problem = password_problem(field.data, self.email)
        if problem:
            raise ValidationError(problem)


def _invitations() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="account-invitation")


def invitation_token(user: User) -> str:
    # The password hash is part of the token, so a link stops working once it has been used.
    return _invitations().dumps([user.id, user.password_hash[-16:]])


def _last_active_admin(user: User) -> bool:
    admins = db.session.scalar(
        select(func.count()).select_from(User).filter_by(role=Role.ADMIN, active=True)
    )
    return user.role == Role.ADMIN and user.active and admins <= 1


@bp.get("/")
@admin_required
def users():
    """Every account, with its role and state."""
    accounts = db.session.scalars(
        select(User).order_by(User.active.desc(), User.display_name)
    ).all()
    return render_template(
        "admin/users.html",
        accounts=accounts,
        invite_form=InviteForm(),
        role_form=RoleForm,
        action_form=EmptyForm(),
    )


@bp.post("/")
@admin_required
def invite():
    """Create an account and show the link its owner uses to choose a password."""
    form = InviteForm()
    if not form.validate_on_submit():
        accounts = db.session.scalars(select(User).order_by(User.display_name)).all()
        return render_template(
            "admin/users.html",
            accounts=accounts,
            invite_form=form,
            role_form=RoleForm,
            action_form=EmptyForm(),
        ), 422
    user = User.invite(form.email.data, form.role.data, form.display_name.data)
    db.session.commit()
    link = url_for("admin.set_password", token=invitation_token(user), _external=True)
    flash(
        _(
            "Compte créé pour %(email)s. Envoyez-lui ce lien (valable 7 jours) pour choisir son mot de passe : %(link)s",
            email=user.email,
            link=link,
        )
    )
    return redirect(url_for("admin.users"), 303)


@bp.post("/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    """Change an account's role; the last active admin keeps theirs."""
    user = or_404(db.session.get(User, user_id))
    form = RoleForm()
    if form.validate_on_submit():
        if form.role.data != Role.ADMIN and _last_active_admin(user):
            flash(_("Impossible : c’est le dernier compte administrateur actif."), "error")
        else:
            user.role = form.role.data
            db.session.commit()
            flash(_("Rôle de %(name)s modifié.", name=user.display_name))
    return redirect(url_for("admin.users"), 303)


@bp.post("/<int:user_id>/activation")
@admin_required
def toggle_active(user_id: int):
    """Deactivate an account (its sessions end at once) or reactivate it."""
    user = or_404(db.session.get(User, user_id))
    if EmptyForm().validate_on_submit():
        if user.active and (user.id == current_user.id or _last_active_admin(user)):
            flash(
                _("Impossible de désactiver ce compte : vous ou le dernier administrateur."),
                "error",
            )
        else:
            user.active = not user.active
            user.end_all_sessions()
            db.session.commit()
            if user.active:
                flash(_("Compte de %(name)s réactivé.", name=user.display_name))
            else:
                flash(_("Compte de %(name)s désactivé.", name=user.display_name))
    return redirect(url_for("admin.users"), 303)


@bp.post("/<int:user_id>/invitation")
@admin_required
def new_invitation(user_id: int):
    """A fresh password link, e.g. for someone who forgot theirs."""
    user = or_404(db.session.get(User, user_id))
    if EmptyForm().validate_on_submit():
        link = url_for("admin.set_password", token=invitation_token(user), _external=True)
        flash(_("Lien pour choisir un mot de passe (valable 7 jours) : %(link)s", link=link))
    return redirect(url_for("admin.users"), 303)


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Where an invited (or locked-out) person chooses a password."""
    try:
        user_id, fingerprint = _invitations().loads(token, max_age=INVITATION_MAX_AGE)
    except SignatureExpired:
        return render_template("admin/set_password.html", form=None, expired=True), 410
    except (BadSignature, ValueError, TypeError):
        abort(404)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.password_hash[-16:] != fingerprint:
        return render_template("admin/set_password.html", form=None, expired=True), 410
    form = SetPasswordForm(user.email)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.end_all_sessions()
        db.session.commit()
        flash(_("Mot de passe enregistré. Vous pouvez vous connecter."))
        return redirect(url_for("auth.login"), 303)
    return render_template(
        "admin/set_password.html",
        form=form,
        user=user,
        expired=False,
        min_length=MIN_PASSWORD_LENGTH,
    ), 422 if form.errors else 200
