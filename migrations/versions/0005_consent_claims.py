"""consents remember the claims asked by name, beyond those of their scopes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:30:00.000000

Existing consents allowed their scopes only: they start with no claim by name.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('oidc_consent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claims', sa.JSON(), nullable=False, server_default='[]'))
    # The default only fills the rows already there; new rows say what they allow.
    with op.batch_alter_table('oidc_consent', schema=None) as batch_op:
        batch_op.alter_column('claims', server_default=None)


def downgrade():
    with op.batch_alter_table('oidc_consent', schema=None) as batch_op:
        batch_op.drop_column('claims')
