"""claims by patient, latest first

Revision ID: 51d7a0c3e2b8
Revises: 8c4e1f2a9d37
Create Date: 2026-11-25 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "51d7a0c3e2b8"
down_revision: str | None = "8c4e1f2a9d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_patient_id")
        batch_op.create_index("ix_claim_patient_recent", ["patient_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_patient_recent")
        batch_op.create_index("ix_claim_patient_id", ["patient_id"], unique=False)
