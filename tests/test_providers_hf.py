"""hf: a tiny local transformers model end to end, and the queue that batches its calls.

The Hugging Face hub is out of reach in tests, so a module fixture builds a randomly
initialised two-layer Llama and a word-level tokenizer with a chat template on disk.
Its weights are seeded, and the end-of-sequence token is suppressed in its generation
config so that every answer runs to `max_tokens` (usage counts are then exact).
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
import time
from pathlib import Path

import pytest

from evalrunner.events._calls import call_scope
from evalrunner.log import EvalLog, read_eval_log
from evalrunner.model import GenerateConfig, ModelAPIError, get_model
from evalrunner.model.providers._batch_queue import BatchQueue
from evalrunner.model.providers.hf import HuggingFaceAPI
from tests.conftest import run_cli, write
from tests.extras import needs_extra

WORDS = [
    "the cat sat on the mat", "what is two plus two", "a dog ran in the park",
    "user assistant system :", "be brief and kind",
]
PROMPTS = [
    "the cat", "what is two plus two", "a dog ran in the park", "the mat",
    "two dog", "a cat sat on the mat in the park",
]
SYSTEM = "be brief"
MAX_TOKENS = 5
BATCH_LINE = re.compile(r"generated a batch of (\d+) prompts")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-llama")
    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(special_tokens=["<unk>", "<s>", "</s>"])
    words.train_from_iterator(WORDS, trainer)
    # No pad token, like most causal LMs: the provider must pick one for batches.
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=words, unk_token="<unk>", bos_token="<s>", eos_token="</s>"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}<s> {{ m.role }} : {{ m.content }} </s> {% endfor %}"
        "{% if add_generation_prompt %}<s> assistant :{% endif %}"
    )
    tokenizer.save_pretrained(folder)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = LlamaForCausalLM(config)
    model.generation_config.suppress_tokens = [tokenizer.eos_token_id]
    model.save_pretrained(folder)
    return folder


def _prompt_tokens(model_dir: Path, user: str) -> int:
    """Tokens of the chat-templated prompt: what usage must count as input."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    chat = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
    text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _run_suite(model_dir: Path, tmp_path: Path, max_connections: int) -> EvalLog:
    samples = "".join(f"        - {{input: \"{p}\", target: \"cat\"}}\n" for p in PROMPTS)
    suite = write(
        tmp_path / "tiny.yml",
        "name: tiny\n"
        "tasks:\n"
        "  - name: words\n"
        "    dataset:\n"
        "      samples:\n" + samples +
        "    plan:\n"
        f"      - system_message: {SYSTEM}\n"
        "      - generate\n"
        "    scorer: includes\n"
        f"    config: {{temperature: 0, max_tokens: {MAX_TOKENS}, max_connections: 4}}\n",
    )
    logs = tmp_path / f"logs-{max_connections}"
    result = run_cli(
        "run", str(suite), "--model", "hf/local", "-M", f"model_path={model_dir}",
        "-M", "device=cpu", "-M", "batch_wait=0.5", "--max-connections", str(max_connections),
        "--log-level", "debug", "--log-dir", str(logs), timeout=90,
    )
    assert result.returncode == 0, result.stderr
    (path,) = logs.glob("*.json")
    return read_eval_log(path)


def _batch_sizes(log: EvalLog) -> list[int]:
    found = (BATCH_LINE.search(m.message) for m in log.logging if m.name and "hf" in m.name)
    return [int(match[1]) for match in found if match]


@needs_extra("hf", "torch", "transformers")
def test_suite_runs_batched_with_the_same_answers_as_one_by_one(
    tiny_model: Path, tmp_path: Path
) -> None:
    batched = _run_suite(tiny_model, tmp_path, max_connections=4)
    single = _run_suite(tiny_model, tmp_path, max_connections=1)
    for log in (batched, single):
        assert log.status == "success" and len(log.samples) == len(PROMPTS)
        for sample, prompt in zip(sorted(log.samples, key=lambda s: s.id), PROMPTS, strict=True):
            usage = sample.output.usage
            assert sample.output.completion.strip() and sample.error is None
            assert usage is not None and usage.output_tokens == MAX_TOKENS
            assert usage.input_tokens == _prompt_tokens(tiny_model, prompt)  # padding not counted
            assert sample.output.stop_reason == "length"
        total = log.stats.model_usage["hf/local"]
        assert total.output_tokens == MAX_TOKENS * len(PROMPTS)
    # Concurrent calls shared a generate; one connection means one prompt per generate.
    sizes = _batch_sizes(batched)
    assert sum(sizes) == len(PROMPTS) and max(sizes) > 1 and max(sizes) <= 4, sizes
    assert _batch_sizes(single) == [1] * len(PROMPTS)
    # Greedy answers repeat across runs, and left padding leaves them unchanged.
    answers = {s.id: s.output.completion for s in batched.samples}
    assert answers == {s.id: s.output.completion for s in single.samples}
    assert len(set(answers.values())) > 1  # the prompts did steer the model


@needs_extra("hf", "torch", "transformers")
async def test_stop_sequences_cut_the_answer_inside_a_batch(tiny_model: Path) -> None:
    config = GenerateConfig(temperature=0, max_tokens=MAX_TOKENS, max_connections=4)
    model = get_model(
        "hf/local", model_path=str(tiny_model), device="cpu", batch_wait=0.2,
        config=config, memoize=False,
    )
    try:
        with call_scope(True) as call:  # as inside a sample: the call kept for its event
            full = (await model.generate(PROMPTS[0])).completion
        # The prompt as rendered and the text generated, as the model event records them
        assert call is not None and PROMPTS[0] in call.request["prompt"]
        assert call.request["config"]["max_tokens"] == MAX_TOKENS
        assert call.response["text"] == full and call.response["hit_limit"]
        stop = full.split()[1]
        plain, stopped = await asyncio.gather(
            model.generate(PROMPTS[0]),
            model.generate(PROMPTS[0], config=GenerateConfig(stop_seqs=[stop])),
        )
    finally:
        await model.aclose()
    assert isinstance(model.api, HuggingFaceAPI)
    # The two calls shared a batch, run as one generate per config.
    assert model.api.queue.batch_sizes == [1, 2]
    assert plain.completion == full and plain.stop_reason == "length"
    assert stopped.completion == full[: full.index(stop)]
    assert stopped.stop_reason == "stop"
    assert stopped.usage is not None and 0 < stopped.usage.output_tokens < MAX_TOKENS


def doubler(seen: list[list[int]]) -> object:
    def run(batch: list[int]) -> list[int]:
        # Runs in a worker thread, like a model's generate.
        assert threading.current_thread() is not threading.main_thread()
        seen.append(list(batch))
        time.sleep(0.05)
        return [2 * x for x in batch]

    return run


async def test_full_batches_run_at_once() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=4, wait=5.0)  # type: ignore[arg-type]
    start = time.monotonic()
    results = await asyncio.gather(*(queue.submit(i) for i in range(8)))
    assert results == [2 * i for i in range(8)]
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert time.monotonic() - start < 2  # full batches never wait out `wait`
    await queue.aclose()


async def test_a_partial_batch_runs_after_the_quiet_period() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=32, wait=0.2)  # type: ignore[arg-type]
    first = [asyncio.ensure_future(queue.submit(i)) for i in range(3)]
    await asyncio.sleep(0.1)  # still within the quiet period: joins the same batch
    second = [asyncio.ensure_future(queue.submit(i)) for i in (10, 11)]
    assert await asyncio.gather(*first, *second) == [0, 2, 4, 20, 22]
    late = await queue.submit(7)  # after that batch: a batch of its own
    assert late == 14
    assert queue.batch_sizes == [5, 1]
    await queue.aclose()


async def test_arrivals_during_a_run_form_the_next_batch() -> None:
    seen: list[list[int]] = []
    queue: BatchQueue[int, int] = BatchQueue(doubler(seen), max_size=2, wait=0.05)  # type: ignore[arg-type]
    results = await asyncio.gather(*(queue.submit(i) for i in range(5)))
    assert results == [0, 2, 4, 6, 8]
    assert queue.batch_sizes == [2, 2, 1]


async def test_a_failing_batch_fails_each_of_its_callers() -> None:
    def explode(batch: list[int]) -> list[int]:
        raise RuntimeError(f"out of memory on {len(batch)} prompts")

    queue: BatchQueue[int, int] = BatchQueue(explode, max_size=3, wait=0.05)
    results = await asyncio.gather(*(queue.submit(i) for i in range(3)), return_exceptions=True)
    assert [str(r) for r in results] == ["out of memory on 3 prompts"] * 3
    # The queue keeps working after a failure.
    queue.run = lambda batch: [x + 1 for x in batch]
    assert await queue.submit(1) == 2


def test_local_needs_a_model_path() -> None:
    with pytest.raises(ValueError, match="model_path"):
        get_model("hf/local", memoize=False)


async def test_missing_transformers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail, as on a machine without the extra.
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setitem(sys.modules, "transformers", None)
    model = get_model("hf/openai-community/gpt2", device="cpu", memoize=False)
    assert model.api.connection_key() == "hf:openai-community/gpt2:cpu"
    with pytest.raises(ModelAPIError, match=r"pip install 'evalrunner\[hf\]'"):
        await model.generate("hi")
