"""local/smollm2: a real GGUF model run by llama-cpp-python in a worker process.

The crash tests make the real worker die of a real SIGSEGV: a `sitecustomize.py` on the
PYTHONPATH wraps `llama_cpp.Llama.create_chat_completion` (or `__init__`) so that it reads
address 0 through ctypes, as a miscompiled llama.cpp does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from evalrunner.events._calls import call_scope
from evalrunner.model import GenerateConfig, ModelAPIError, get_model
from tests.conftest import ROOT, run_cli, write
from tests.extras import LOCAL, needs_extra

pytestmark = needs_extra("local", *LOCAL)

PROMPTS = ["What is the capital of France?", "What is 2 + 2?", "Name a colour."]

# Patches llama_cpp when (and only if) a process imports it: the CLI never does, only
# the worker does.
CRASHER = '''
import ctypes, importlib.abc, importlib.util, os, sys

WHERE = os.environ.get("CRASH_LLAMA_IN", "")

def _crash(*args, **kwargs):
    ctypes.string_at(0)  # SIGSEGV

class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "llama_cpp":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if WHERE == "import":
            return None
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            if WHERE == "chat":
                module.Llama.create_chat_completion = _crash
            elif WHERE == "load":
                module.Llama.__init__ = _crash
        spec.loader.exec_module = exec_module
        return spec

if WHERE == "import":
    sys.modules["llama_cpp"] = None  # `import llama_cpp` fails, as without the extra
sys.meta_path.insert(0, _Finder())
'''

SUITE = """name: crash
model: local/smollm2
config: {max_tokens: 4}
tasks:
  - name: t
    dataset: {samples: [{input: "What is 2 + 2?", target: "4"}]}
    plan: [generate]
    scorer: includes
"""


def crash_env(tmp_path: Path, where: str) -> dict[str, str]:
    write(tmp_path / "site" / "sitecustomize.py", CRASHER)
    return {"PYTHONPATH": f"{tmp_path / 'site'}:{ROOT}", "CRASH_LLAMA_IN": where}


async def test_smollm2_answers_three_prompts() -> None:
    config = GenerateConfig(temperature=0.0, max_tokens=24, seed=1)
    async with get_model("local/smollm2", config=config, memoize=False) as model:
        # Concurrent calls are serialized on the worker's one llama context.
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
        with call_scope(True) as call:  # as inside a sample: the call kept for its event
            output = await model.generate("Write a long story about a dragon.")
    assert output.stop_reason == "length"
    assert output.usage is not None and output.usage.output_tokens == 2
    # The request llama.cpp was given and its reply, as the model event records them
    assert call is not None and call.request["max_tokens"] == 2
    assert "dragon" in str(call.request["messages"])
    assert output.completion in str(call.response)


def test_other_names_need_a_model_path() -> None:
    with pytest.raises(ValueError, match="model_path"):
        get_model("local/llama-3", memoize=False)


async def test_missing_model_file() -> None:
    model = get_model("local/mine", model_path="/nonexistent/model.gguf", memoize=False)
    with pytest.raises(ModelAPIError, match="not found"):
        await model.generate("hi")


async def test_a_bad_gguf_file_is_an_error_of_the_call(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.gguf", "not a model")
    model = get_model("local/mine", model_path=str(bad), memoize=False)
    with pytest.raises(ModelAPIError, match=r"bad\.gguf"):
        await model.generate("hi")


@pytest.mark.parametrize("where", ["chat", "load"])
def test_a_crash_of_llama_cpp_stops_the_run_before_its_log(tmp_path: Path, where: str) -> None:
    suite = write(tmp_path / "crash.yml", SUITE)
    logs = tmp_path / "logs"
    result = run_cli("run", str(suite), "--log-dir", str(logs), env=crash_env(tmp_path, where))
    assert result.returncode == 2, result.stdout + result.stderr
    first = result.stderr.splitlines()[0]
    doing = "answering" if where == "chat" else "loading the model"
    assert first.startswith(f"{suite}:5:5: model 'local/smollm2': llama.cpp crashed with "
                            f"SIGSEGV while {doing}"), result.stderr
    assert "AMX" in first and "./install.sh" in first  # the cause and the fix
    assert "Traceback" not in result.stderr
    assert not logs.exists() or not list(logs.iterdir())  # no `started` log left behind


def test_validate_does_not_start_the_model(tmp_path: Path) -> None:
    suite = write(tmp_path / "crash.yml", SUITE)
    result = run_cli("validate", str(suite), env=crash_env(tmp_path, "load"))
    assert result.returncode == 0, result.stderr


def test_missing_llama_cpp_names_the_install(tmp_path: Path) -> None:
    suite = write(tmp_path / "crash.yml", SUITE)
    result = run_cli("run", str(suite), "--log-dir", str(tmp_path / "logs"),
                     env=crash_env(tmp_path, "import"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"{suite}:5:5: model 'local/smollm2': the local provider needs llama-cpp-python: "
        "./install.sh (or pip install 'evalrunner[local]')")
