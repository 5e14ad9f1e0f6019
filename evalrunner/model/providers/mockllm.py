"""mockllm: an offline, deterministic model for tests and examples.

With no arguments it answers "Default output from mockllm". `-M outputs=[...]` (or the
`outputs` argument) scripts its replies in order, cycling; `-M echo=true` repeats the
last user message, which makes scored runs deterministic without a network.
"""

from __future__ import annotations

import itertools
from typing import Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPI, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput, ModelUsage

DEFAULT_OUTPUT = "Default output from mockllm"


@modelapi(name="mockllm")
class MockLLM(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        outputs: list[str | ModelOutput] | str | None = None,
        echo: bool = False,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name or "model", base_url, api_key, config, **model_args)
        scripted = [outputs] if isinstance(outputs, str | ModelOutput) else (outputs or [])
        self._outputs = itertools.cycle(scripted) if scripted else None
        self._echo = echo

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
        if self._outputs is not None:
            scripted = next(self._outputs)
            output = (
                scripted.model_copy(deep=True)
                if isinstance(scripted, ModelOutput)
                else ModelOutput.from_content(self.model_name, scripted)
            )
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
