"""performance indexes

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_index("ix_orders_symbol_created", "orders", ["symbol", "created_at"])
    op.create_index("ix_trades_executed_at", "trades", ["executed_at"])


def downgrade() -> None:
    op.drop_index("ix_trades_executed_at", "trades")
    op.drop_index("ix_orders_symbol_created", "orders")
