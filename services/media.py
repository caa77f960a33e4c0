"""Uploads: an image's files stored under MEDIA_ROOT (services/images.py) and its Media row.

Kept out of models/media.py so that importing a model never loads Pillow and models
import nothing from services.
"""

from __future__ import annotations

from pathlib import Path

from models import db
from models.media import Media
from services import images


def store_upload(data: bytes, folder: Path, uploaded_by_id: int | None) -> Media:
    """Check and store an upload (images.store), then commit its Media row at once.

    `data` is the uploaded file's bytes, `folder` the MEDIA_ROOT directory (created if
    missing), `uploaded_by_id` the uploader's user id. Committed straight away so that a
    form coming back with an error (a missing alt text) keeps the image: the form carries
    its token, and nothing must be sent again. Raises images.ImageRejected, and stores
    nothing, when the upload is refused.
    """
    stored = images.store(data, folder)
    media = Media(
        token=stored.token,
        content_type=stored.content_type,
        width=stored.width,
        height=stored.height,
        variants=stored.variants,
        uploaded_by_id=uploaded_by_id,
    )
    db.session.add(media)
    db.session.commit()
    return media
