"""The learned model as a screening tier: loaded once per process, its state never silent.

Every install has it: the int8 graph and its tokenizer ship inside the package
(``bot/safety/model/``), and onnxruntime, ``tokenizers`` and numpy are plain dependencies.
It loads once (about half a second), on ``load()`` at start-up or on the first message,
under a lock so concurrent first messages load it once.

If it cannot load (a broken install, a file missing), the failure is remembered and the
service screens on the rules alone, and says so loudly: ``status()`` feeds ``/readyz``,
the dashboard's banner, ``checkin screen --explain`` and the metric
``checkin_screening_degraded``; the error is logged at start-up. Retrying on every message
would re-read the files each time, so a restart is what tries again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from bot import metrics

if TYPE_CHECKING:
    from bot.safety.risk_model import RiskModel

__all__ = ["TierStatus", "load", "loaded", "reset", "status"]

_lock = threading.Lock()
_model: RiskModel | None = None
_failure: str | None = None
MODEL_DIR = Path(str(resources.files("bot.safety").joinpath("model")))
_model_dir: Path = MODEL_DIR


@dataclass(frozen=True, slots=True)
class TierStatus:
    """Which tiers screen messages, and what is wrong when the model is not among them."""

    tiers: tuple[str, ...]
    degraded: bool
    problem: str | None

    def to_json(self) -> dict[str, object]:
        return {"tiers": list(self.tiers), "degraded": self.degraded, "problem": self.problem}


def load() -> RiskModel | None:
    """The process's model, loaded on first use; None (and remembered) if it cannot load."""
    global _model, _failure
    if _model is None and _failure is None:
        with _lock:
            if _model is None and _failure is None:
                try:
                    # Imported here: onnxruntime costs a command that never screens time.
                    from bot.safety.risk_model import RiskModel

                    _model = RiskModel(_model_dir)
                except Exception as error:  # any failure: run on the rules, loudly
                    _failure = f"{type(error).__name__}: {error}"
                metrics.SCREENING_DEGRADED.set(0 if _model is not None else 1)
    return _model


def loaded() -> RiskModel | None:
    """The model if it is already loaded; never loads it."""
    return _model


def status() -> TierStatus:
    """The tiers in force (loading the model first if nobody has yet)."""
    model = load()
    if model is None:
        return TierStatus(("rules",), True, f"risk model did not load ({_failure})")
    return TierStatus(("rules", "risk_model"), False, None)


def reset(model_dir: Path = MODEL_DIR) -> None:
    """Forget the loaded model (tests point it at another folder to try a broken install)."""
    global _model, _failure, _model_dir
    with _lock:
        _model, _failure, _model_dir = None, None, model_dir
