"""People who write and edit: admins, editors and authors."""

from __future__ import annotations

import enum
import functools
import secrets
import unicodedata
from datetime import datetime

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import String, Text, false, func, select, true
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from models import db, password_strength
from models.password_strength import Weakness
from models.slugs import slugify, unique_slug
from models.text import require_text
from models.time import utcnow

# Column sizes, also the forms' and the command line's limits.
EMAIL_MAX = 254  # the longest address SMTP allows (RFC 5321)
DISPLAY_NAME_MAX = 120
SLUG_MAX = 140
# What a password field accepts at most: hashing a megabyte of "password" costs time.
PASSWORD_INPUT_MAX = 1024
# The author's bio, in characters of cleaned text (the bio box under every article).
BIO_MAX = 5_000
MIN_PASSWORD_LENGTH = 12


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused (translated, French first), or None: the one password
    policy, used by `flask users`, the admin pages and the set-password page.

    At least MIN_PASSWORD_LENGTH characters (ASVS 5.0 6.2.1), not the account's address,
    and not easy to guess: not a common password (zxcvbn's 30,000, French ones added),
    a keyboard walk (AZERTY included), a sequence or a date (ASVS 6.2.4, NIST SP
    800-63B 5.1.1.2), as measured by models.password_strength. No composition rule
    ("one digit, one symbol"): ASVS 6.2.5 forbids them.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext(
            "Le mot de passe doit compter au moins %(n)s caractères.", n=MIN_PASSWORD_LENGTH
        )
    folded = password.strip().lower()
    email = email.lower()
    local_part = email.split("@")[0]
    if email and folded in {email, local_part}:
        return gettext("Le mot de passe ne doit pas être votre adresse électronique.")
    weakness = password_strength.weakness(password, [email, local_part])
    if weakness is None:
        return None
    return {
        Weakness.COMMON: gettext("Ce mot de passe est trop courant : choisissez-en un autre."),
        Weakness.PERSONAL: gettext(
            "Ce mot de passe reprend votre adresse électronique : choisissez-en un autre."
        ),
        Weakness.KEYBOARD: gettext(
            "Ce mot de passe est une suite de touches du clavier (comme « azerty ») : "
            "choisissez-en un autre."
        ),
        Weakness.SEQUENCE: gettext(
            "Ce mot de passe est trop prévisible (une suite comme « 1234 » ou « abcd », "
            "une date) : choisissez-en un autre."
        ),
        Weakness.GUESSABLE: gettext(
            "Ce mot de passe est trop facile à deviner : allongez-le, par exemple de quelques mots."
        ),
    }[weakness]


def normalise_email(email: str) -> str:
    """An address as accounts store it and logins match it: NFC, stripped, in lower case."""
    return unicodedata.normalize("NFC", email).strip().lower()


def email_problem(email: str) -> str | None:
    """Why this (normalised) address cannot name an account (French), or None.

    A minimal check, like the command line's since the start: one "@", at most
    EMAIL_MAX characters. Forms check the address's shape further (WTForms' Email()).
    """
    if "@" not in email or len(email) > EMAIL_MAX:
        return "adresse électronique invalide."
    return None


class Role(enum.StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    AUTHOR = "author"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    # Sanitised inline HTML (kind "paragraph"): bios may carry links and emphasis.
    bio_html: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.AUTHOR)
    # Empty for authors who only sign articles and never log in.
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the id stored in the session cookie: bumping it at logout makes every
    # copy of an older cookie worthless, not just the one in this browser.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # The staff bar's switch ("Voir comme un lecteur" / "Modifier la page"): True shows the
    # articles this account may edit exactly as readers see them, without edit controls.
    reader_view: Mapped[bool] = mapped_column(default=False, server_default=false())

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    def end_all_sessions(self) -> None:
        self.session_epoch += 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_editor(self) -> bool:
        """Editors and admins work on every article and in the inquiry inbox."""
        return self.role in (Role.ADMIN, Role.EDITOR)

    def can_edit(self, article) -> bool:
        """The one rule for article access: authors edit the articles they sign (co-signed too).

        editable_articles() is the same rule in SQL: change both together.
        """
        return self.active and (self.is_editor or any(u.id == self.id for u in article.authors))

    def editable_articles(self):
        """can_edit's rule as a SQL condition on Article: `select(Article).where(...)`."""
        from models.content import Article  # models/content imports this module

        if not self.active:
            return false()
        return true() if self.is_editor else Article.signed_by(self.id)

    def can_trash(self, article) -> bool:
        """Move to the trash, or restore: editors and admins; an author, their own drafts."""
        return self.can_edit(article) and (self.is_editor or article.status == "draft")

    @classmethod
    def by_email(cls, email: str) -> User | None:
        """The account with this address, whatever its letter case (see normalise_email),
        or None. The one lookup of an account by address: logins, throttling, the journal,
        the command line."""
        return db.session.scalar(select(cls).where(func.lower(cls.email) == normalise_email(email)))

    @classmethod
    def email_taken(cls, email: str) -> bool:
        """Whether an account already uses this address, in any letter case."""
        return cls.by_email(email) is not None

    @classmethod
    def invite(cls, email: str, role: str = Role.AUTHOR, display_name: str | None = None) -> User:
        """A new account with no password yet: its owner chooses one from an invitation link.

        The one account creation (the admin page invites, `flask users create` creates).
        `email` is stored normalised (stripped, lower case); `display_name` defaults to
        the part of the address before "@"; the slug (author page URL) is made unique
        ("alex-martin-2"). The account is added to the session, not committed.
        Raises ValueError, with a French message, for an invalid or taken address, an
        unknown role, or a display name over DISPLAY_NAME_MAX characters or holding a
        character XML 1.0 forbids (U+000B, Word's line break, becomes a space).
        """
        email = normalise_email(email)
        problem = email_problem(email)
        if problem:
            raise ValueError(problem)
        if role not in set(Role):
            raise ValueError(f"rôle inconnu : {role}.")
        # The text boundary (models.text): NFC, and no character XML forbids in a name
        # that every feed prints (ForbiddenCharacters is a ValueError).
        display_name = require_text(display_name, multiline=False).strip() or email.split("@")[0]
        if len(display_name) > DISPLAY_NAME_MAX:
            raise ValueError(f"nom affiché trop long ({DISPLAY_NAME_MAX} caractères au plus).")
        if cls.email_taken(email):
            raise ValueError(f"un compte existe déjà pour {email}.")
        user = cls(
            email=email,
            display_name=display_name,
            slug=unique_slug(slugify(display_name), cls._slug_taken),
            role=Role(role),
        )
        db.session.add(user)
        return user

    @classmethod
    def create(
        cls,
        email: str,
        role: str = Role.AUTHOR,
        display_name: str | None = None,
        password: str | None = None,
    ) -> User:
        """invite(), then set `password` if given (checked by password_problem first).

        Raises ValueError (French message) as invite() does, and for a password the
        policy refuses; nothing is added to the session then.
        """
        if password is not None:
            problem = password_problem(password, normalise_email(email))
            if problem:
                raise ValueError(problem)
        user = cls.invite(email, role, display_name)
        if password is not None:
            user.set_password(password)
        return user

    @classmethod
    def _slug_taken(cls, slug: str) -> bool:
        return db.session.scalar(select(cls.id).filter_by(slug=slug)) is not None

    @classmethod
    def authenticate(cls, email: str, password: str) -> User | None:
        """The active account with this address and password, or None.

        An unknown address costs one password check too, so the time taken does not
        tell whether an account exists.
        """
        user = cls.by_email(email)
        if user is None or not user.password_hash:
            check_password_hash(_unknown_account_hash(), password)
            return None
        return user if user.check_password(password) and user.active else None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


@functools.cache
def _unknown_account_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method="scrypt")
