"""Acknowledgments claimkit writes: 999 (005010X231A1) and 277CA (005010X214)."""
from claimkit.ack.ack999 import build_999
from claimkit.ack.info import GroupRef, InterchangeRef, TransactionRef, read_interchanges

__all__ = ["build_999", "read_interchanges", "InterchangeRef", "GroupRef", "TransactionRef"]
from claimkit.ack.ack277 import build_277ca  # noqa: E402

__all__ += ["build_277ca"]
