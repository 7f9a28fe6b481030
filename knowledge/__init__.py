"""The FAQ that ships with faqbot, and its labelled evaluation set, as package data.

`faq.yaml` is the default knowledge base (used when neither `--knowledge`, nor
`FAQBOT_KNOWLEDGE`, nor a `./knowledge/` folder in the working directory says otherwise);
`eval/devset.yaml` is what `faqbot eval` measures by default.
"""

from __future__ import annotations

import site
import sysconfig
from importlib.resources import files
from pathlib import Path

__all__ = ["is_installed_copy", "shipped_devset", "shipped_faq"]


def shipped_faq() -> Path:
    """Return the path of the FAQ file installed with the package."""
    return Path(str(files(__name__) / "faq.yaml"))


def shipped_devset() -> Path:
    """Return the path of the labelled dev set installed with the package."""
    return Path(str(files(__name__) / "eval" / "devset.yaml"))


def is_installed_copy(path: Path) -> bool:
    """Whether `path` is part of this package as installed into site-packages.

    Such a copy is replaced by the next upgrade (and may be read-only), so nothing should be
    written to it. In a source checkout or an editable install it is the project's own
    `knowledge/` folder, which is meant to be edited.
    """
    package = Path(str(files(__name__))).resolve()
    installed = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    installed.update(site.getsitepackages())
    installed.add(site.getusersitepackages())
    if not any(package.is_relative_to(Path(p).resolve()) for p in installed):
        return False
    return path.resolve().is_relative_to(package)
