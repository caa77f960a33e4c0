"""Gazette's data: one SQLAlchemy instance and the models built on it.

The schema comes from migrations/ (Flask-Migrate); `db.create_all()` is never
called outside tests.
"""

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints so Alembic can alter them later on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))

from models.audit import AuditEvent  # noqa: E402
from models.content import Article, Block, Section, SectionRedirect  # noqa: E402
from models.correction import Correction  # noqa: E402
from models.front import FrontPin, FrontSection  # noqa: E402
from models.imports import LegacyRedirect, WordPressOrigin  # noqa: E402
from models.login_throttle import LoginThrottle  # noqa: E402
from models.media import Media  # noqa: E402
from models.prepared import PreparedArticle  # noqa: E402
from models.preview import PreviewLink  # noqa: E402
from models.revision import ArticleSlugRedirect, Revision  # noqa: E402
from models.setup_link import SetupLink  # noqa: E402
from models.sponsor import Sponsor  # noqa: E402
from models.sponsorship import InquiryNote, OutboxMessage, SponsorshipInquiry  # noqa: E402
from models.tag import ArticleTag, Tag, TagRedirect  # noqa: E402
from models.user import User  # noqa: E402

__all__ = [
    "db",
    "User",
    "Section",
    "Article",
    "Block",
    "Revision",
    "ArticleSlugRedirect",
    "SponsorshipInquiry",
    "InquiryNote",
    "OutboxMessage",
    "Media",
    "PreviewLink",
    "Correction",
    "Sponsor",
    "AuditEvent",
    "LoginThrottle",
    "SetupLink",
    "SectionRedirect",
    "Tag",
    "ArticleTag",
    "TagRedirect",
    "FrontPin",
    "FrontSection",
    "LegacyRedirect",
    "PreparedArticle",
    "WordPressOrigin",
]
