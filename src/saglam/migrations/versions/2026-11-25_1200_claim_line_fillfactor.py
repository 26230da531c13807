"""claim lines leave room on their pages for the update that judges them

Revision ID: 8c4e1f2a9d37
Revises: 3f1d2c9a7b10
Create Date: 2026-11-25 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c4e1f2a9d37"
down_revision: str | None = "3f1d2c9a7b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim_line SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE claim_line RESET (fillfactor)")
