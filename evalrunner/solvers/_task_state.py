"""TaskState: everything a solver works on for one sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ..events._limits import active_limits
from ..model._chat import ChatMessageBase, ChatMessageUser, as_messages, messages_text
from ..model._output import ModelOutput, ModelUsage
from ..tools._info import ToolChoice
from ._store import Store

if TYPE_CHECKING:
    from ..log._model import Compaction
    from ..scorers._score import Score
    from ._store_model import StoreModel

M = TypeVar("M", bound=BaseModel)
S = TypeVar("S", bound="StoreModel")


@dataclass
class Choice:
    """A multiple-choice option as the model sees it, and whether it was picked."""

    value: str
    correct: bool | None = None
    original_position: int = 0


class TaskState:
    """The state of one sample as it moves through the plan."""

    def __init__(
        self,
        model: str,
        sample_id: int | str,
        epoch: int,
        input: str | list[Any],
        messages: list[ChatMessageBase] | None = None,
        target: str | list[str] = "",
        choices: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        message_limit: int | None = None,
        token_limit: int | None = None,
    ) -> None:
        self.model = model
        self.sample_id = sample_id
        self.epoch = epoch
        self.input = input
        self.messages: list[ChatMessageBase] = (
            messages if messages is not None else as_messages(input)
        )
        self.target = Target(target)
        self.choices = [Choice(c, None, i) for i, c in enumerate(choices or [])]
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.output = ModelOutput(model=model)
        self.store = Store()
        self.tools: list[Any] = []
        self.tool_choice: ToolChoice | None = None
        self.message_limit = message_limit
        self._token_limit = token_limit
        self.token_usage = ModelUsage()
        # The task's scores, by scorer name: set once the scorers have run (and by
        # `score(state)` inside a plan), so a later step or a fork can read them.
        self.scores: dict[str, Score] | None = None
        # What compaction did to the conversation (see `compaction:`), for the log.
        self.compactions: list[Compaction] = []
        # Turns a handoff agent added during a tool call, appended after the tool results.
        self.pending_messages: list[ChatMessageBase] = []
        self._completed = False

    def metadata_as(self, model: type[M]) -> M:
        """The sample's metadata validated as the pydantic model `model`."""
        return model.model_validate(self.metadata)

    def store_as(self, model: type[S], instance: str | None = None) -> S:
        """A `StoreModel` view of this sample's store (its fields read and write the store)."""
        return model(store=self.store, instance=instance)

    @property
    def input_text(self) -> str:
        """The sample input as text (the user messages joined for a message list)."""
        if isinstance(self.input, str):
            return self.input
        return messages_text(as_messages(self.input))

    @property
    def user_prompt(self) -> ChatMessageUser:
        """The first user message: what prompt-engineering solvers rewrite."""
        for message in self.messages:
            if isinstance(message, ChatMessageUser):
                return message
        raise ValueError("the messages have no user prompt")

    @property
    def token_limit(self) -> int | None:
        """The sample's token limit: while the sample runs, the one its model calls are
        counted against (events._limits), which setting this changes."""
        limits = active_limits()
        return limits.tokens if limits is not None else self._token_limit

    @token_limit.setter
    def token_limit(self, value: int | None) -> None:
        self._token_limit = value
        limits = active_limits()
        if limits is not None:
            limits.tokens = value

    @property
    def completed(self) -> bool:
        """True when the plan should stop: set by a solver, or a limit was reached."""
        return self._completed or self.limit_reached is not None

    @completed.setter
    def completed(self, value: bool) -> None:
        self._completed = value

    @property
    def limit_reached(self) -> str | None:
        """Which limit ended the plan, if one did."""
        if self.message_limit is not None and len(self.messages) >= self.message_limit:
            return "messages"
        limits = active_limits()
        return "tokens" if limits is not None and limits.tokens_reached() else None


@dataclass
class Target:
    """The ideal answer(s) of a sample."""

    target: str | list[str] = field(default="")

    @property
    def text(self) -> str:
        return "".join(self.target) if isinstance(self.target, list) else self.target

    def __iter__(self) -> Any:
        return iter(self.target if isinstance(self.target, list) else [self.target])

    def __len__(self) -> int:
        return len(self.target) if isinstance(self.target, list) else 1

    def __getitem__(self, index: int) -> str:
        return list(self)[index]  # type: ignore[no-any-return]
