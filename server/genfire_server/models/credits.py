"""The credits ledger: immutable entries, a guarded balance, and holds.

Amounts are integers in millicredits (1/1000 credit): speech is priced per character
at fractions of a credit, and integers keep the sums exact on every backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from genfire_server.models.base import Base, UTCDateTime


class CreditBalance(Base):
    __tablename__ = "credit_balances"
    # The last line of defence: even a buggy caller cannot drive a balance negative.
    __table_args__ = (CheckConstraint("balance_milli >= 0", name="non_negative"),)

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    balance_milli: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CreditHold(Base):
    """Credits reserved for a piece of work; captured (charged) or released exactly once."""

    __tablename__ = "credit_holds"
    __table_args__ = (
        CheckConstraint("amount_milli > 0", name="positive"),
        CheckConstraint(
            "captured_milli IS NULL OR (captured_milli >= 0 AND captured_milli <= amount_milli)",
            name="capture_within_hold",
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # hold_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount_milli: Mapped[int] = mapped_column(BigInteger)
    captured_milli: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # held | captured | released
    reference: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CreditLedgerEntry(Base):
    """One change to a balance. Never updated or deleted: the balance is their sum."""

    __tablename__ = "credit_ledger_entries"
    __table_args__ = (
        Index("ix_credit_ledger_entries_account_created", "account_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # cle_<...>
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))  # grant | hold | release | adjustment
    amount_milli: Mapped[int] = mapped_column(BigInteger)  # signed
    balance_after_milli: Mapped[int] = mapped_column(BigInteger)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("credit_holds.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
