"""pages items posts responses events

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import inbox.store.models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('calendar', sa.String(length=8), nullable=False),
    sa.Column('target_hours', sa.Float(), nullable=False),
    sa.Column('platform_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('platform_id')
    )
    op.create_table('item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('author_id', sa.String(length=128), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('post_id', sa.String(length=128), nullable=True),
    sa.Column('parent_id', sa.String(length=255), nullable=True),
    sa.Column('conversation_id', sa.String(length=255), nullable=True),
    sa.Column('received_at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ingested_at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', inbox.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_minutes', sa.Float(), nullable=True),
    sa.Column('response_office_minutes', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('closed_at', inbox.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('assignee', sa.String(length=255), nullable=True),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.Column('sentiment', sa.String(length=16), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('page_id', 'external_id', name='uq_item_page_external')
    )
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_department'), ['department'], unique=False)
        batch_op.create_index('ix_item_open_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_item_report', ['page_id', 'received_at', 'first_response_at', 'due_at', 'resolution', 'response_minutes', 'response_office_minutes'], unique=False)

    op.create_table('post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('published_at', inbox.store.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('page_id', 'external_id', name='uq_post_page_external')
    )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_page_id'), ['page_id'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_item_id'), ['item_id'], unique=False)

    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sent_at', inbox.store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_item_id'), ['item_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_item_id'))

    op.drop_table('response')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_item_id'))
        batch_op.drop_index(batch_op.f('ix_event_at'))

    op.drop_table('event')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_page_id'))

    op.drop_table('post')
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_index('ix_item_report')
        batch_op.drop_index(batch_op.f('ix_item_post_id'))
        batch_op.drop_index('ix_item_open_due')
        batch_op.drop_index(batch_op.f('ix_item_department'))
        batch_op.drop_index(batch_op.f('ix_item_conversation_id'))

    op.drop_table('item')
    op.drop_table('page')

