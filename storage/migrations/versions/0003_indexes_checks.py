"""indexes that match the inbox, outbox and escalation queries; CHECK constraints on enumerations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:10:00

The inbox reads one unit's cases of one status, urgent first then by deadline; the outbox claim
asks, for every due row, whether an earlier row of the same chat still waits; escalation reads
open cases past a deadline. Each gets an index in that column order. Enumerations are stored as
strings, so CHECK constraints keep out values the code does not know, and a rating is 1-5.

SQLite cannot add a CHECK to a table: batch mode rebuilds each table (storage/migrate.py turns
foreign keys off around it and checks them after).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS: dict[str, list[tuple[str, str]]] = {
    'unit': [('ck_unit_level', "level IN ('central', 'province', 'commune')")],
    'cases': [
        ('ck_cases_status', "status IN ('open', 'in_progress', 'waiting_citizen', 'resolved', 'cancelled')"),
        ('ck_cases_rating', 'rating IS NULL OR rating BETWEEN 1 AND 5'),
        ('ck_cases_escalation_level', 'escalation_level >= 0'),
    ],
    'message': [('ck_message_direction', "direction IN ('in', 'out')")],
    'outbox_item': [
        ('ck_outbox_item_status', "status IN ('pending', 'sent', 'failed')"),
        ('ck_outbox_item_attempts', 'attempts >= 0'),
    ],
    'staff_account': [('ck_staff_account_role', "role IN ('staff', 'moderator', 'admin')")],
}


def upgrade() -> None:
    op.drop_index('ix_case_unit_status', table_name='cases')   # a prefix of ix_case_inbox
    op.drop_index('ix_cases_status', table_name='cases')       # a prefix of ix_case_escalation
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(name, condition)
    op.create_index('ix_case_inbox', 'cases', ['unit_id', 'status', sa.text('urgent DESC'), 'resolve_deadline'])
    op.create_index('ix_case_escalation', 'cases', ['status', 'resolve_deadline'])
    op.create_index('ix_outbox_chat', 'outbox_item', ['channel', 'chat_id', 'status', 'id'])
    op.create_index('ix_outbox_sent', 'outbox_item', ['status', 'sent_at'])


def downgrade() -> None:
    op.drop_index('ix_outbox_sent', table_name='outbox_item')
    op.drop_index('ix_outbox_chat', table_name='outbox_item')
    op.drop_index('ix_case_escalation', table_name='cases')
    op.drop_index('ix_case_inbox', table_name='cases')
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, _condition in checks:
                batch_op.drop_constraint(name, type_='check')
    op.create_index('ix_cases_status', 'cases', ['status'])
    op.create_index('ix_case_unit_status', 'cases', ['unit_id', 'status'])
