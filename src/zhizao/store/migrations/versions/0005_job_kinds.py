"""import_jobs carry other kinds of background job (a room's prepared report): kind, a unique
key per job (one job per key, also under parallel requests), parameters and a priority

Revision ID: 0005_job_kinds
Revises: 0004_import_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_job_kinds"
down_revision: str | None = "0004_import_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_jobs") as b:
        b.add_column(sa.Column("kind", sa.String(length=64), nullable=False, server_default="import"))
        b.add_column(sa.Column("job_key", sa.String(length=255), nullable=True))
        b.add_column(sa.Column("params", sa.Text(), nullable=True))
        b.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ux_import_jobs_key", "import_jobs", ["job_key"], unique=True)
    op.create_index("ix_import_jobs_queue", "import_jobs", ["status", "priority", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_jobs_queue", table_name="import_jobs")
    op.drop_index("ux_import_jobs_key", table_name="import_jobs")
    with op.batch_alter_table("import_jobs") as b:
        b.drop_column("priority")
        b.drop_column("params")
        b.drop_column("job_key")
        b.drop_column("kind")
