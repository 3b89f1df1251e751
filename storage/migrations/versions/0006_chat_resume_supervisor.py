"""web chat resumable on another device (a hash of the secret shown with the tracking code);
a supervisor role for staff accounts

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = "role IN ('staff', 'moderator', 'admin')"
ROLES_AFTER = "role IN ('staff', 'moderator', 'admin', 'supervisor')"


def upgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('resume_secret_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('staff_account') as batch:
        batch.drop_constraint('ck_staff_account_role', type_='check')
        batch.create_check_constraint('ck_staff_account_role', ROLES_AFTER)


def downgrade() -> None:
    # The old schema knows no supervisors: their accounts become inactive staff (no unit, no login)
    # rather than gaining a role that sees more.
    op.execute("UPDATE staff_account SET role = 'staff', active = false WHERE role = 'supervisor'")
    with op.batch_alter_table('staff_account') as batch:
        batch.drop_constraint('ck_staff_account_role', type_='check')
        batch.create_check_constraint('ck_staff_account_role', ROLES_BEFORE)
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('resume_secret_hash')
