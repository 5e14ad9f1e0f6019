"""hf: local Hugging Face transformers models (`hf/<repo>` or `hf/local -M model_path=DIR`).

Needs the optional extra: pip install 'evalrunner[hf]' (transformers, torch).
Model arguments: `device` (default cuda, then mps, then cpu), `model_path` and
`tokenizer_path` (for `hf/local`), `batch_wait` (seconds, default 2); any other `-M`
argument goes to `AutoModelForCausalLM.from_pretrained` (for example `dtype`).
HF_TOKEN is used for gated repositories.

Concurrent generate calls are batched: up to `max_connections` (default 32) prompts run
as one left-padded `generate`, and a smaller batch starts when no new call has come for
`batch_wait` seconds; each batch is logged at debug level with its size. Prompts are
rendered with the tokenizer's chat template (tools included when the template supports
them); tool calls the model writes in its template's format (Hermes/Qwen `<tool_call>`,
Mistral `[TOOL_CALLS]`, Llama 3 bare JSON) become tool calls. Stop sequences end a row as
soon as its decoded text holds one, and are cut from the answer as the API providers do.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from ...events._calls import note_exchange
from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPI, ModelAPIError, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput, ModelUsage
from ._batch_queue import BatchQueue
from ._http import env
from ._openai_wire import wire_message, wire_tool
from ._tool_text import parse_tool_calls

INSTALL_HINT = "pip install 'evalrunner[hf]'"
DEFAULT_BATCH = 32

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Prompt:
    text: str
    config: GenerateConfig


@dataclass(frozen=True)
class _Answer:
    text: str
    input_tokens: int
    output_tokens: int
    hit_limit: bool


@modelapi(name="hf")
class HuggingFaceAPI(ModelAPI):
    # A causal LM through its tokenizer's chat template: text only, no image in any turn.
    media_types: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        device: str | None = None,
        model_path: str | None = None,
        tokenizer_path: str | None = None,
        batch_wait: float = 2.0,
        **model_args: Any,
    ) -> None:
        api_key = api_key or env("HF_TOKEN")
        super().__init__(model_name, base_url, api_key, config, **model_args)
        if model_name == "local" and not model_path:
            raise ValueError("model 'hf/local' needs -M model_path=DIR")
        self.source = model_path or model_name
        self.tokenizer_source = tokenizer_path or self.source
        self.device = device
        self._loaded: tuple[Any, Any, str] | None = None
        self._load_lock = threading.Lock()
        size = (config.max_connections if config else None) or DEFAULT_BATCH
        self.queue: BatchQueue[_Prompt, _Answer] = BatchQueue(self._run_batch, size, batch_wait)

    def max_connections(self) -> int:
        return DEFAULT_BATCH

    def max_tokens(self) -> int | None:
        return 256

    def connection_key(self) -> str:
        return f"hf:{self.source}:{self.device}"

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        tokenizer = (await asyncio.to_thread(self._load))[1]
        text = _render(tokenizer, input, tools)
        answer = await self.queue.submit(_Prompt(text, config))
        # No HTTP here: the request is the prompt as rendered for the model and the
        # generation settings, the response the text generated and its token counts.
        note_exchange({"prompt": text, "config": config.model_dump(exclude_none=True)},
                      {"text": answer.text, "input_tokens": answer.input_tokens,
                       "output_tokens": answer.output_tokens, "hit_limit": answer.hit_limit})
        output = ModelOutput.from_content(
            self.model_name, answer.text, stop_reason="length" if answer.hit_limit else "stop"
        )
        if tools:
            rest, calls = parse_tool_calls(answer.text, {t.name for t in tools})
            if calls:
                output.message.content = rest
                output.message.tool_calls = calls
                output.choices[0].stop_reason = "tool_calls"
        output.usage = ModelUsage(
            input_tokens=answer.input_tokens, output_tokens=answer.output_tokens,
            total_tokens=answer.input_tokens + answer.output_tokens,
        )
        return output

    def _load(self) -> tuple[Any, Any, str]:
        with self._load_lock:
            if self._loaded is None:
                self._loaded = _load_model(self)
            return self._loaded

    def _run_batch(self, prompts: list[_Prompt]) -> list[_Answer]:
        """One padded generate for prompts that share a config (else one per config)."""
        model, tokenizer, device = self._load()
        start = time.monotonic()
        out: dict[int, _Answer] = {}
        groups: dict[str, list[int]] = {}
        for i, prompt in enumerate(prompts):
            groups.setdefault(prompt.config.model_dump_json(), []).append(i)
        for indexes in groups.values():
            texts = [prompts[i].text for i in indexes]
            answers = _generate(model, tokenizer, device, texts, prompts[indexes[0]].config)
            out.update(zip(indexes, answers, strict=True))
        # The one observable of batching for users tuning max_connections (--log-level debug).
        logger.debug(
            "hf %s: generated a batch of %d prompts in %.2fs",
            self.model_name, len(prompts), time.monotonic() - start,
        )
        return [out[i] for i in range(len(prompts))]

    async def aclose(self) -> None:
        await self.queue.aclose()


def _load_model(api: HuggingFaceAPI) -> tuple[Any, Any, str]:
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError:
        raise ModelAPIError(
            f"the hf provider needs transformers and torch: {INSTALL_HINT}"
        ) from None
    device = api.device or (
        "cuda" if torch.cuda.is_available()
        else "mps" if torch.backends.mps.is_available() else "cpu"
    )
    tokenizer = AutoTokenizer.from_pretrained(api.tokenizer_source, token=api.api_key)
    # Decoder-only models generate after the prompt: pad on the left.
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        # Batches need padding; padded positions are masked out, so any token will do.
        if tokenizer.eos_token is None:
            raise ModelAPIError(f"the tokenizer of '{api.source}' has no pad or eos token")
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(api.source, token=api.api_key, **api.model_args)
    model.to(device)
    model.eval()
    return model, tokenizer, device


def _render(tokenizer: Any, messages: list[ChatMessageBase], tools: list[ToolInfo]) -> str:
    chat = [wire_message(m) for m in messages]
    for item in chat:
        if isinstance(item.get("content"), list):  # text parts only: see media_types
            item["content"] = "\n".join(p["text"] for p in item["content"] if p["type"] == "text")
    if getattr(tokenizer, "chat_template", None) is None:
        lines = [f"{m['role']}: {m.get('content') or ''}" for m in chat]
        return "\n".join([*lines, "assistant:"])
    text: str = tokenizer.apply_chat_template(
        chat, tools=[wire_tool(t) for t in tools] or None,
        add_generation_prompt=True, tokenize=False,
    )
    return text


def _generate(
    model: Any, tokenizer: Any, device: str, texts: list[str], config: GenerateConfig
) -> list[_Answer]:
    import torch

    # The chat template already holds the special tokens the model expects.
    inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
    inputs = {k: v.to(device) for k, v in inputs.items()}
    prompt_length = int(inputs["input_ids"].shape[1])
    max_new = config.max_tokens or 256
    options: dict[str, Any] = {"max_new_tokens": max_new, "pad_token_id": tokenizer.pad_token_id}
    if config.temperature:
        options.update(do_sample=True, temperature=config.temperature)
        if config.top_p is not None:
            options["top_p"] = config.top_p
        if config.top_k is not None:
            options["top_k"] = config.top_k
    else:
        options["do_sample"] = False
    if config.seed is not None:
        torch.manual_seed(config.seed)
    stops = config.stop_seqs or []
    if stops:
        options["stopping_criteria"] = [_stop_on_strings(tokenizer, stops, prompt_length)]
    with torch.inference_mode():
        generated = model.generate(**inputs, **options)
    answers = []
    for row, mask in zip(generated, inputs["attention_mask"], strict=True):
        new = _strip_padding(row[prompt_length:], tokenizer.pad_token_id)
        text = tokenizer.decode(new, skip_special_tokens=True)
        cut = _cut_at_stop(text, stops)
        answers.append(_Answer(
            text=text if cut is None else cut,
            input_tokens=int(mask.sum()),
            output_tokens=int(new.shape[0]),
            hit_limit=cut is None and int(new.shape[0]) >= max_new,
        ))
    return answers


def _strip_padding(tokens: Any, pad_id: int | None) -> Any:
    """Drop the padding `generate` appends to rows that finished before the longest one."""
    end = int(tokens.shape[0])
    while end > 0 and pad_id is not None and int(tokens[end - 1]) == pad_id:
        end -= 1
    return tokens[:end]


def _cut_at_stop(text: str, stops: list[str]) -> str | None:
    """`text` up to its first stop sequence (None when it holds none)."""
    found = [i for i in (text.find(s) for s in stops) if i >= 0]
    return text[: min(found)] if found else None


def _stop_on_strings(tokenizer: Any, stops: list[str], prompt_length: int) -> Any:
    """A stopping criterion that ends each row once its decoded answer holds a stop string.

    Decoding the answer works with any tokenizer, unlike transformers' `stop_strings`,
    which needs the tokenizer's vocabulary to round-trip token by token.
    """
    import torch
    from transformers import StoppingCriteria

    class StopOnStrings(StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            texts = tokenizer.batch_decode(input_ids[:, prompt_length:], skip_special_tokens=True)
            done = [any(s in text for s in stops) for text in texts]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StopOnStrings()
