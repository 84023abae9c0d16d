"""signing keys

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 05:21:21.586630

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_key',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('alg', sa.String(length=8), nullable=False),
    sa.Column('state', sa.Enum('next', 'current', 'retired', name='keystate', native_enum=False, length=10), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('private_key_ciphertext', sa.LargeBinary(), nullable=False),
    sa.Column('kek_id', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("alg IN ('RS256', 'ES256')", name=op.f('ck_signing_key_alg')),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_signing_key'))
    )
    # At most one current and one next key per algorithm, enforced by the database.
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        for state in ('current', 'next'):
            where = sa.text(f"state = '{state}'")
            batch_op.create_index(f'uq_signing_key_{state}_alg', ['alg'], unique=True, sqlite_where=where, postgresql_where=where)


def downgrade():
    with op.batch_alter_table('signing_key', schema=None) as batch_op:
        batch_op.drop_index('uq_signing_key_next_alg')
        batch_op.drop_index('uq_signing_key_current_alg')

    op.drop_table('signing_key')
