"""`say`: a message that needs no reply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flows.events import MessageSaid
from flows.steps._registry import step_kind

if TYPE_CHECKING:
    from flows._run import Run
    from flows.model import Step


@step_kind("say")
def say(run: Run, step: Step) -> bool:
    """A message; the flow goes straight on to the next step.

    ```yaml
    - id: thanks
      say:
        en: "Thank you, {first_name}. Your care team sees your answers."
        es: "Gracias, {first_name}. Su equipo de atención ve sus respuestas."
      next: end                  # optional, as for questions
    ```

    A `say` step has no `answer`, `escalate_if` or `max_reprompts`.
    Messages that only lead to each other in a loop are refused at load.
    """
    run.emit(MessageSaid(step.id, run.render(step.text)))
    return False
