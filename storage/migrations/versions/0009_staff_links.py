"""staff members' own chats for case notices, one-time link codes, deadline reminders (issues 7, 9)

Revision ID: 0009
Revises: 0008

A staff member links a Telegram or Zalo chat from the console with a one-time code (only its
SHA-256 is stored, valid about 15 minutes); notices of new cases, citizens' answers and near
deadlines then go to that chat through the outbox. `deadline_reminder` keeps the reminder job
idempotent: one row per case and deadline.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'staff_link',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff_account.id'), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        _when('linked_at'),
        sa.UniqueConstraint('channel', 'chat_id', name='uq_staff_link_chat'),
        sa.UniqueConstraint('staff_id', 'channel', name='uq_staff_link_staff_channel'),
    )
    op.create_index('ix_staff_link_staff_id', 'staff_link', ['staff_id'])
    op.create_table(
        'staff_link_code',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff_account.id'), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        _when('expires_at'),
        _when('used_at', True),
        _when('created_at'),
    )
    op.create_index('ix_staff_link_code_staff_id', 'staff_link_code', ['staff_id'])
    op.create_table(
        'deadline_reminder',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        _when('deadline'),
        _when('sent_at'),
        sa.UniqueConstraint('case_id', 'deadline', name='uq_deadline_reminder'),
    )


def downgrade() -> None:
    op.drop_table('deadline_reminder')
    op.drop_index('ix_staff_link_code_staff_id', table_name='staff_link_code')
    op.drop_table('staff_link_code')
    op.drop_index('ix_staff_link_staff_id', table_name='staff_link')
    op.drop_table('staff_link')
