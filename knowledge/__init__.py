"""The FAQ that ships with faqbot, and its labelled evaluation set, as package data.

`faq.yaml` is the default knowledge base (used when neither `--knowledge`, nor
`FAQBOT_KNOWLEDGE`, nor a `./knowledge/` folder in the working directory says otherwise);
`eval/devset.yaml` is what `faqbot eval` measures by default.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["shipped_devset", "shipped_faq"]


def shipped_faq() -> Path:
    """Return the path of the FAQ file installed with the package."""
    return Path(str(files(__name__) / "faq.yaml"))


def shipped_devset() -> Path:
    """Return the path of the labelled dev set installed with the package."""
    return Path(str(files(__name__) / "eval" / "devset.yaml"))
