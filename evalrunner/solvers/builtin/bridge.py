"""`bridge`: run an agent written without evalrunner, as a Python function or as a program.

For the length of each sample the task's model is served as OpenAI Chat Completions, OpenAI
Responses and Anthropic Messages (see `evalrunner.agent._bridge`) on 127.0.0.1: requests to it are
calls of evalrunner's model (roles, retries, cache, limits and events apply).

- `agent: file.py@run`: `async def run(sample: dict) -> dict` (a plain function works too).
  It gets `input` (the conversation so far as `{"role", "content"}` dicts), `input_text`,
  `target`, `choices`, `metadata`, `sample_id`, `epoch`, `model`, `store`, and `base_url` /
  `api_key` of the endpoint (use an async client: the endpoint runs on the same event loop).
  It returns `output` (the final answer, text) and may return `messages` (the whole
  conversation, to replace the state's) and `store` (merged into the sample's store).
- `command: [program, args...]`: the program runs with `OPENAI_BASE_URL`, `OPENAI_API_KEY`,
  `ANTHROPIC_BASE_URL` and `ANTHROPIC_API_KEY` pointing at the endpoint (plus `env`, and
  the variables `pass_env` names;
  like a tool it gets none of evalrunner's other variables), the sample dict as JSON on stdin;
  what it prints is the answer. An agent built on either SDK or any HTTP client runs
  unchanged. It fails the sample if it exits non-zero or runs past `timeout` seconds.
- `sandbox: true` (or a sandbox's name): the program runs inside the sample's sandbox
  instead, and reaches the endpoint through a unix socket the sandbox sees and a proxy on
  the sandbox's own loopback (`evalrunner.sandbox._channel`), never the host's network;
  its working folder is the sandbox's, `pass_env` values come from this machine.
"""

from __future__ import annotations

import inspect
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._util.secrets import register_mapping_secrets
from ...events._transcript import span
from ...model._chat import ChatMessageAssistant, as_messages
from ...model._output import ModelOutput
from .._solver import Generate, Solver, solver
from .._task_state import TaskState
from ._entries import make_function

if TYPE_CHECKING:
    from ...agent._bridge import BridgeServer


@solver(component_args={"agent": "function"})
def bridge(agent: Any = None, command: str | list[str] | None = None,
           env: dict[str, str] | None = None, pass_env: list[str] | None = None,
           timeout: float | None = None, sandbox: bool | str = False) -> Solver:
    """Run `agent` (a function, or its name: `agent.py@run`) or `command` (see the module)."""
    if (agent is None) == (command is None):
        raise ValueError("bridge needs either agent (a Python function) or command (a program)")
    if sandbox is not False and command is None:
        raise ValueError("bridge: sandbox runs a command (a program) in the sandbox, not a "
                         "Python function")
    fn = make_function(agent) if agent is not None else None
    register_mapping_secrets(env)  # the agent's keys stay out of the log and the terminal
    args = [command] if isinstance(command, str) else list(command or [])
    from ...template import suite_folder

    folder = suite_folder()

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        from ...agent._bridge import BridgeServer  # the agent package only when one runs

        sample = _sample_dict(state)
        box = _sandbox(sandbox)
        socket = _socket_path(box) if box is not None else None
        with span("agent", "bridge"):
            async with BridgeServer(socket) as server:
                sample.update(base_url=server.base_url, api_key=server.api_key)
                try:
                    if fn is not None:
                        result = fn(sample)
                        result = await result if inspect.isawaitable(result) else result
                    elif box is not None and socket is not None:
                        result = await _run_in_sandbox(box, socket, args, sample, server,
                                                       env, pass_env or [], timeout)
                    else:
                        result = await _run_program(args, sample, server, env, pass_env or [],
                                                    timeout, folder)
                except Exception as ex:
                    # An agent that failed because a limit refused its call ends at the limit.
                    if server.limit is not None:
                        raise server.limit from ex
                    raise
            if server.limit is not None:
                raise server.limit  # the agent's calls reached a limit: the sample ends so
        _adopt(state, result)
        return state

    return solve


async def _run_program(args: list[str], sample: dict[str, Any], server: BridgeServer,
                       env: dict[str, str] | None, pass_env: list[str], timeout: float | None,
                       folder: Any) -> dict[str, Any]:
    from ...tools._environment import tool_environment
    from ...tools._subprocess import subprocess

    # The agent gets no provider key of ours: only the endpoint and its own variables.
    variables = tool_environment(pass_env, {**(env or {}), **endpoint_variables(server)})
    done = await subprocess(args, input=json.dumps(sample), cwd=folder, env=variables,
                            timeout=timeout, output_limit=None, inherit_env=False)
    if not done.success:
        tail = done.stderr.strip()[-2000:]
        raise RuntimeError(f"the bridged program exited with {done.returncode}: {tail}")
    return {"output": done.stdout.strip()}


def _sandbox(which: bool | str) -> Any:
    from ...sandbox import sandbox

    return None if which is False else sandbox(None if which is True else which)


def _socket_path(box: Any) -> Path:
    from ...sandbox import SandboxError

    folder = box.socket_folder()
    if folder is None:
        raise SandboxError(f"bridge: a {type(box).__name__} has no way in for the bridge "
                           "(bwrap and docker with an image or a build have; compose not)")
    return Path(folder) / f"bridge-{secrets.token_hex(6)}.sock"


async def _run_in_sandbox(box: Any, socket: Path, args: list[str], sample: dict[str, Any],
                          server: BridgeServer, env: dict[str, str] | None,
                          pass_env: list[str], timeout: float | None) -> dict[str, Any]:
    from ...sandbox._channel import proxied
    from ...tools._environment import tool_environment

    # The sandbox keeps its own PATH, HOME...: only what the suite names goes in, and the
    # token (in the environment, never on a command line); the proxy adds the URLs.
    base = tool_environment()
    named = {k: v for k, v in tool_environment(pass_env, env).items()
             if k not in base or k in (env or {}) or k in pass_env}
    urls = {k: v for k, v in endpoint_variables(server, "http://127.0.0.1:{port}").items()
            if k.endswith("_URL")}
    keys = {k: v for k, v in endpoint_variables(server, "").items() if k.endswith("_KEY")}
    done = await box.exec(proxied(args, socket, urls), input=json.dumps(sample),
                          env={**named, **keys}, timeout=timeout, output_limit=None)
    if not done.success:
        tail = done.stderr.strip()[-2000:]
        raise RuntimeError(f"the bridged program exited with {done.returncode}: {tail}")
    return {"output": done.stdout.strip()}


def endpoint_variables(server: BridgeServer, base: str | None = None) -> dict[str, str]:
    """What tells either vendor's SDK where the endpoint is and which token to send."""
    base = (server.base_url if base is None else base).removesuffix("/v1")
    return {"OPENAI_BASE_URL": base + "/v1", "OPENAI_API_KEY": server.api_key,
            "ANTHROPIC_BASE_URL": base, "ANTHROPIC_API_KEY": server.api_key}


def _adopt(state: TaskState, result: Any) -> None:
    if not isinstance(result, dict) or "output" not in result:
        raise ValueError("a bridged agent must return a dict with an 'output' key")
    output = str(result["output"])
    if result.get("messages") is not None:
        state.messages = as_messages(list(result["messages"]))
    if not state.messages or state.messages[-1].text != output:
        state.messages.append(ChatMessageAssistant(content=output, source="generate"))
    state.output = ModelOutput.from_content(state.model, output)
    state.store.update(dict(result.get("store") or {}))


def _sample_dict(state: TaskState) -> dict[str, Any]:
    return {
        "sample_id": state.sample_id,
        "epoch": state.epoch,
        "model": state.model,
        "input": [{"role": m.role, "content": m.text} for m in state.messages],  # type: ignore[attr-defined]
        "input_text": state.input_text,
        "target": list(state.target),
        "choices": [choice.value for choice in state.choices],
        "metadata": dict(state.metadata),
        "store": dict(state.store),
    }
