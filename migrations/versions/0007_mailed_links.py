"""single-use mailed links of the account (sign-in unlock; recovery and address change next)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailed_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('unlock', name='linkpurpose', native_enum=False, length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_mailed_link_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailed_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_mailed_link_token_hash'))
    )
    with op.batch_alter_table('mailed_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailed_link_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mailed_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailed_link_account_id'))

    op.drop_table('mailed_link')
