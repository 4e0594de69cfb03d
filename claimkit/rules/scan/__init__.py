"""The validating 837P scan: reads segments (claimkit.x12.reader), places them in loops by the
guide (claimkit.x12.guide), runs the x12-scope rules on each event and assembles the claims.

It lives with the rules because it dispatches them: the rules package depends on claimkit.x12,
never the reverse (claimkit.x12 knows the format, not the checks).
"""
from __future__ import annotations

from .parser import scan_837

__all__ = ["scan_837"]
