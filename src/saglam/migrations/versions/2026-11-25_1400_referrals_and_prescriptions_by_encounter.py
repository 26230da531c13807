"""an encounter's referrals and prescriptions are found through an index (they were scanned)

Revision ID: 4c8d2e6f1a93
Revises: 9e3f5b7c2a41
Create Date: 2026-11-25 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4c8d2e6f1a93"
down_revision: str | None = "9e3f5b7c2a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("referral", "prescription"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_encounter_id", ["encounter_id"], unique=False)


def downgrade() -> None:
    for table in ("referral", "prescription"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_encounter_id")
