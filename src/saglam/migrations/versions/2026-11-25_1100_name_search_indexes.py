"""name search indexes ordered by name after sound or birth date

Revision ID: 3f1d2c9a7b10
Revises: 5acc21dee3af
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "3f1d2c9a7b10"
down_revision: str | None = "5acc21dee3af"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_phon")
        batch_op.create_index(
            "ix_patient_phon",
            ["surname_phon", "given_phon", "surname_key", "given_key", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_patient_given_phon", ["given_phon", "surname_key", "given_key", "id"], unique=False
        )
        batch_op.create_index(
            "ix_patient_birth_name", ["birth_date", "surname_key", "given_key", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_birth_name")
        batch_op.drop_index("ix_patient_given_phon")
        batch_op.drop_index("ix_patient_phon")
        batch_op.create_index(
            "ix_patient_phon", ["surname_phon", "given_phon", "birth_date"], unique=False
        )
