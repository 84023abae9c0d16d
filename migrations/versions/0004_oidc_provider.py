"""oidc provider: clients, authorization codes, tokens, consents, client assertions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 05:45:21.727757

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oidc_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('post_logout_redirect_uris', sa.JSON(), nullable=False),
    sa.Column('auth_method', sa.String(length=30), nullable=False),
    sa.Column('jwks_uri', sa.String(length=500), nullable=True),
    sa.Column('jwks', sa.JSON(), nullable=True),
    sa.Column('id_token_alg', sa.String(length=10), nullable=False),
    sa.Column('userinfo_alg', sa.String(length=10), nullable=True),
    sa.Column('subject_type', sa.String(length=10), nullable=False),
    sa.Column('sector_identifier', sa.String(length=255), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('trusted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_client')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oidc_client_client_id'))
    )
    op.create_table('oidc_client_assertion',
    sa.Column('jti_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti_hash', name=op.f('pk_oidc_client_assertion'))
    )
    with op.batch_alter_table('oidc_client_assertion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_client_assertion_expires_at'), ['expires_at'], unique=False)

    op.create_table('oidc_authorization_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=True),
    sa.Column('code_challenge', sa.String(length=128), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=10), nullable=True),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acr', sa.String(length=20), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_oidc_authorization_code_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.id'], name=op.f('fk_oidc_authorization_code_client_id_oidc_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_authorization_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_oidc_authorization_code_code_hash'))
    )
    with op.batch_alter_table('oidc_authorization_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_authorization_code_client_id'), ['client_id'], unique=False)

    op.create_table('oidc_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_oidc_consent_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.id'], name=op.f('fk_oidc_consent_client_id_oidc_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_consent')),
    sa.UniqueConstraint('account_id', 'client_id', name=op.f('uq_oidc_consent_account_id'))
    )
    with op.batch_alter_table('oidc_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_consent_client_id'), ['client_id'], unique=False)

    op.create_table('oidc_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.String(length=32), nullable=False),
    sa.Column('authorization_code_id', sa.Integer(), nullable=True),
    sa.Column('access_token_hash', sa.String(length=64), nullable=False),
    sa.Column('refresh_token_hash', sa.String(length=64), nullable=True),
    sa.Column('scope', sa.Text(), nullable=False),
    sa.Column('claims', sa.JSON(), nullable=True),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_in', sa.Integer(), nullable=False),
    sa.Column('refresh_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_oidc_token_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['authorization_code_id'], ['oidc_authorization_code.id'], name=op.f('fk_oidc_token_authorization_code_id_oidc_authorization_code'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['oidc_client.id'], name=op.f('fk_oidc_token_client_id_oidc_client'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_token')),
    sa.UniqueConstraint('access_token_hash', name=op.f('uq_oidc_token_access_token_hash')),
    sa.UniqueConstraint('refresh_token_hash', name=op.f('uq_oidc_token_refresh_token_hash'))
    )
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oidc_token_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_token_authorization_code_id'), ['authorization_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_token_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oidc_token_family_id'), ['family_id'], unique=False)



def downgrade():
    with op.batch_alter_table('oidc_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_token_family_id'))
        batch_op.drop_index(batch_op.f('ix_oidc_token_client_id'))
        batch_op.drop_index(batch_op.f('ix_oidc_token_authorization_code_id'))
        batch_op.drop_index(batch_op.f('ix_oidc_token_account_id'))

    op.drop_table('oidc_token')
    with op.batch_alter_table('oidc_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_consent_client_id'))

    op.drop_table('oidc_consent')
    with op.batch_alter_table('oidc_authorization_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_authorization_code_client_id'))

    op.drop_table('oidc_authorization_code')
    with op.batch_alter_table('oidc_client_assertion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oidc_client_assertion_expires_at'))

    op.drop_table('oidc_client_assertion')
    op.drop_table('oidc_client')
