"""local/smollm2: a real GGUF model run in-process by llama-cpp-python."""

from __future__ import annotations

import asyncio
import sys

import pytest

from evalrunner.model import GenerateConfig, ModelAPIError, get_model

PROMPTS = ["What is the capital of France?", "What is 2 + 2?", "Name a colour."]


async def test_smollm2_answers_three_prompts() -> None:
    config = GenerateConfig(temperature=0.0, max_tokens=24, seed=1)
    async with get_model("local/smollm2", config=config, memoize=False) as model:
        # Concurrent calls are serialized on the one llama context.
        outputs = await asyncio.gather(*(model.generate(p) for p in PROMPTS))
        again = await model.generate(PROMPTS[1])
    for output in outputs:
        assert output.completion.strip()
        assert output.stop_reason in ("stop", "length")
        assert output.model == "smollm2"
        assert output.usage is not None
        assert output.usage.input_tokens > 5 and 0 < output.usage.output_tokens <= 24
    assert "4" in outputs[1].completion
    assert again.completion == outputs[1].completion  # greedy decoding is deterministic
    assert model.stats.calls == 4


async def test_max_tokens_stops_with_length() -> None:
    config = GenerateConfig(max_tokens=2, temperature=0.0)
    async with get_model("local/smollm2", config=config, memoize=False) as model:
        output = await model.generate("Write a long story about a dragon.")
    assert output.stop_reason == "length"
    assert output.usage is not None and output.usage.output_tokens == 2


def test_other_names_need_a_model_path() -> None:
    with pytest.raises(ValueError, match="model_path"):
        get_model("local/llama-3", memoize=False)


async def test_missing_model_file() -> None:
    model = get_model("local/mine", model_path="/nonexistent/model.gguf", memoize=False)
    with pytest.raises(ModelAPIError, match="not found"):
        await model.generate("hi")


async def test_missing_llama_cpp_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    model = get_model("local/smollm2", memoize=False)
    with pytest.raises(ModelAPIError, match=r"pip install 'evalrunner\[local\]'"):
        await model.generate("hi")
