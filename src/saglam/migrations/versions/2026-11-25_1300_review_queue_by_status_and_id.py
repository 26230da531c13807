"""the review queue walks a status's claims in id order

Revision ID: 9e3f5b7c2a41
Revises: 6a2b9e4d1c05
Create Date: 2026-11-25 13:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9e3f5b7c2a41"
down_revision: str | None = "6a2b9e4d1c05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_status_period")
        batch_op.create_index("ix_claim_period_status", ["period", "status"], unique=False)
        batch_op.create_index("ix_claim_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_status_id")
        batch_op.drop_index("ix_claim_period_status")
        batch_op.create_index("ix_claim_status_period", ["status", "period"], unique=False)
