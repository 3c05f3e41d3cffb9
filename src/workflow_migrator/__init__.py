"""workflow-migrator: brings a Conductor server to exactly the definitions of a directory."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
