"""mockllm: an offline, deterministic model for tests and examples.

With no arguments it answers "Default output from mockllm". `outputs` scripts its replies
(texts, tool calls or full outputs; see `_mock_script`): every sample plays the script from
its start, in order, so concurrent samples never take each other's replies. When a sample
has used every reply, `when_done` decides: `error` (the default, as Inspect's mockllm does
when its custom outputs run out), `repeat_last`, `cycle`, or `default` (the default text).
`echo: true` repeats the last user message, which makes scored runs deterministic.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPI, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput, ModelUsage
from ._mock_script import WHEN_DONE, Script, ScriptError, load_script

DEFAULT_OUTPUT = "Default output from mockllm"


@modelapi(name="mockllm")
class MockLLM(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        outputs: Any = None,
        when_done: str = "error",
        echo: bool = False,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name or "model", base_url, api_key, config, **model_args)
        if when_done not in WHEN_DONE:
            raise ScriptError(f"mockllm when_done must be one of {', '.join(WHEN_DONE)}, "
                              f"not {when_done!r}")
        self._script: Script | None = load_script(outputs) if outputs is not None else None
        self._when_done = when_done
        self._echo = echo
        # Replies used so far, per sample (its transcript); outside a sample, one count.
        self._played: dict[int, tuple[Any, int]] = {}
        self._call_ids = itertools.count(1)

    def max_connections(self) -> int:
        return 100

    def connection_key(self) -> str:
        return f"mockllm:{id(self)}"

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        if self._script is not None:
            output = self._next_scripted()
        elif self._echo:
            last_user = next((m for m in reversed(input) if m.role == "user"), None)  # type: ignore[attr-defined]
            output = ModelOutput.from_content(self.model_name, last_user.text if last_user else "")
        else:
            output = ModelOutput.from_content(self.model_name, DEFAULT_OUTPUT)
        words_in = sum(len(m.text.split()) for m in input)
        words_out = len(output.completion.split())
        output.usage = ModelUsage(
            input_tokens=words_in, output_tokens=words_out, total_tokens=words_in + words_out
        )
        return output

    def _next_scripted(self) -> ModelOutput:
        from ...events._transcript import transcript
        from ...solvers._store import current_state

        assert self._script is not None
        state = current_state()
        sample = str(state.sample_id) if state is not None else "*"
        replies = self._script.get(sample) or self._script.get("*")
        if not replies:
            raise ScriptError(f"the mockllm script has no replies for sample {sample} (add "
                              f"them under its id, or under \"*\" for every sample)")
        played = self._count(transcript())
        if played >= len(replies):
            if self._when_done == "error":
                raise ScriptError(f"the mockllm script ran out: it has {len(replies)} "
                                  f"replies and sample {sample} asked for one more (add "
                                  f"replies, or set when_done: repeat_last, cycle or default)")
            if self._when_done == "default":
                return ModelOutput.from_content(self.model_name, DEFAULT_OUTPUT)
            played = len(replies) - 1 if self._when_done == "repeat_last" \
                else played % len(replies)
        output = replies[played].model_copy(deep=True)
        output.model = self.model_name
        for call in output.message.tool_calls or []:
            call.id = call.id or f"call_{next(self._call_ids)}"
        return output

    def _count(self, owner: Any) -> int:
        """The number of replies `owner` (a sample's transcript, or None) used; counts one."""
        key = id(owner)
        ref, played = self._played.get(key, (None, 0))
        if owner is not None and (ref is None or ref() is not owner):
            played = 0  # a new sample, or another object at a freed sample's address
            self._played = {k: v for k, v in self._played.items()
                            if v[0] is None or v[0]() is not None}  # drop finished samples
            ref = weakref.ref(owner)
        self._played[key] = (ref, played + 1)
        return played
