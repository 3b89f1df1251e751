"""photos attached to messages; coordinates on cases

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), sa.ForeignKey('message.id'), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('platform_ref', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('pending', 'stored', 'failed', name='attachmentstatus', native_enum=False,
                                    length=32), nullable=False),
        sa.Column('media_key', sa.String(length=80), nullable=True),
        sa.Column('thumb_key', sa.String(length=80), nullable=True),
        sa.Column('mime', sa.String(length=32), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.CheckConstraint("status IN ('pending', 'stored', 'failed')", name='ck_attachment_status'),
        sa.CheckConstraint('attempts >= 0', name='ck_attachment_attempts'),
    )
    op.create_index('ix_attachment_message_id', 'attachment', ['message_id'])
    op.create_index('ix_attachment_due', 'attachment', ['channel', 'status', 'next_attempt_at'])
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('longitude')
        batch.drop_column('latitude')
    op.drop_index('ix_attachment_due', 'attachment')
    op.drop_index('ix_attachment_message_id', 'attachment')
    op.drop_table('attachment')
