"""similar reports share a cluster

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:25:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('similarity_key', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_cluster_id'), ['cluster_id'], unique=False)
        batch_op.create_index('ix_case_cluster_lookup', ['domain', 'province', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_case_cluster_lookup')
        batch_op.drop_index(batch_op.f('ix_cases_cluster_id'))
        batch_op.drop_column('similarity_key')
        batch_op.drop_column('cluster_id')
