"""claims indexed by status first, for the review queue's counts

Revision ID: 6a2b9e4d1c05
Revises: 51d7a0c3e2b8
Create Date: 2026-11-25 12:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6a2b9e4d1c05"
down_revision: str | None = "51d7a0c3e2b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_period_status")
        batch_op.create_index("ix_claim_status_period", ["status", "period"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_status_period")
        batch_op.create_index("ix_claim_period_status", ["period", "status"], unique=False)
