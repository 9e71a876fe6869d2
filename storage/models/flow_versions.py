"""Flow definitions kept in the database, one immutable row per version.

Files in ``FLOWS_DIR`` (or the built-in library) are imported as published versions, and
again whenever a file's text changes; staff edits on the dashboard, the API or
``checkin flows import`` add drafts. Exactly one version of a flow is published at a time:
new conversations start on it, running ones keep the version they started with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, CreatedAt


class FlowVersionStatus:
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"
    ALL = (DRAFT, PUBLISHED, RETIRED)


class FlowVersion(CreatedAt, Base):
    __tablename__ = "flow_versions"
    __table_args__ = (
        UniqueConstraint("flow_id", "version", name="uq_flow_versions_flow_version"),
        Index("ix_flow_versions_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    yaml: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=FlowVersionStatus.DRAFT)
    # Where the text came from: "file daily-checkin.yaml", "built-in phq9.yaml", "edit",
    # "import daily.yaml", "copy of phq9 version 1", "rollback to version 2".
    source: Mapped[str] = mapped_column(String(200))
    # sha256 of the file's text as read, for a version imported from a file: the file is
    # imported again only when its text changes.
    file_digest: Mapped[str | None] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    author: Mapped[str] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(254))
    publish_note: Mapped[str | None] = mapped_column(Text)
