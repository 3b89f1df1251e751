"""moderation, personal-data audit, corrections queue, model versions, supervisors (issue 9)

Revision ID: 0008
Revises: 0007

A supervisor is a staff account with the role 'supervisor' and an optional province (none: the
whole country). Conversations carry when they were flagged and reviewed; moderation events, the
corrections queue, model versions and staff notices get their own tables. Cases record the model
version that labelled them.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CORRECTION = "status IN ('pending', 'accepted', 'rejected')"
MODEL = "status IN ('training', 'failed', 'rejected', 'candidate', 'active', 'retired')"


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # the role 'supervisor' itself is allowed since 0006
    with op.batch_alter_table('staff_account') as batch:
        batch.add_column(sa.Column('province', sa.String(length=64), nullable=True))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('model_version', sa.String(length=40), nullable=True))
    with op.batch_alter_table('conversation') as batch:
        batch.add_column(_when('flagged_at', True))
        batch.add_column(_when('reviewed_at', True))
    op.create_index('ix_conversation_flagged_at', 'conversation', ['flagged_at'])
    op.create_table(
        'moderation_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('conversation_id', sa.Integer(), sa.ForeignKey('conversation.id'), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        _when('created_at'),
    )
    op.create_index('ix_moderation_event_conversation_id', 'moderation_event', ['conversation_id'])
    op.create_index('ix_moderation_event_case_id', 'moderation_event', ['case_id'])
    op.create_index('ix_moderation_event_kind', 'moderation_event', ['kind', 'created_at'])
    op.create_table(
        'correction',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('from_domain', sa.String(length=16), nullable=False),
        sa.Column('to_domain', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('status', sa.Enum('pending', 'accepted', 'rejected', name='correctionstatus', native_enum=False,
                                    length=32), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=True),
        _when('decided_at', True),
        _when('created_at'),
        sa.CheckConstraint(CORRECTION, name='ck_correction_status'),
    )
    op.create_index('ix_correction_status', 'correction', ['status', 'id'])
    op.create_table(
        'model_version',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('version', sa.String(length=40), nullable=False, unique=True),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('data_hash', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Enum('training', 'failed', 'rejected', 'candidate', 'active', 'retired',
                                    name='modelstatus', native_enum=False, length=32), nullable=False),
        sa.Column('progress', sa.Text(), nullable=False),
        sa.Column('metrics', sa.JSON(), nullable=False),
        sa.Column('examples', sa.Integer(), nullable=False),
        sa.Column('started_by', sa.String(length=64), nullable=False),
        _when('created_at'),
        _when('promoted_at', True),
        sa.CheckConstraint(MODEL, name='ck_model_version_status'),
    )
    op.create_table(
        'staff_notice',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('staff_account.id'), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('cases.id'), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        _when('read_at', True),
        _when('created_at'),
    )
    op.create_index('ix_staff_notice_unread', 'staff_notice', ['staff_id', 'read_at'])


def downgrade() -> None:
    op.drop_index('ix_staff_notice_unread', 'staff_notice')
    op.drop_table('staff_notice')
    op.drop_table('model_version')
    op.drop_index('ix_correction_status', 'correction')
    op.drop_table('correction')
    for name in ('ix_moderation_event_kind', 'ix_moderation_event_case_id', 'ix_moderation_event_conversation_id'):
        op.drop_index(name, 'moderation_event')
    op.drop_table('moderation_event')
    op.drop_index('ix_conversation_flagged_at', 'conversation')
    with op.batch_alter_table('conversation') as batch:
        batch.drop_column('reviewed_at')
        batch.drop_column('flagged_at')
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('model_version')
    with op.batch_alter_table('staff_account') as batch:
        batch.drop_column('province')
