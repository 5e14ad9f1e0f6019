"""The script of a `mockllm` model: its replies, checked when the model is built.

A script is a list of entries, each one reply: a text, a tool call (`{function, arguments}`)
or a full output (`{content, tool_calls, stop_reason}`); or a mapping from sample id to such
a list (`"*"`: the samples not named). It is written inline (`outputs: [...]`) or in a YAML
or JSON file (`outputs: script.yml`, found beside the suite, else in the working folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from ...template import suite_folder
from .._chat import ChatMessageAssistant, ToolCall
from .._output import ChatCompletionChoice, ModelOutput, StopReason

WhenDone = Literal["error", "repeat_last", "cycle", "default"]
WHEN_DONE: tuple[str, ...] = get_args(WhenDone)
_SCRIPT_FILE = (".yml", ".yaml", ".json")
_CALL_KEYS = {"function", "arguments", "id"}
_OUTPUT_KEYS = {"content", "tool_calls", "stop_reason"}

Script = dict[str, list[ModelOutput]]  # by sample id; "*" for every other sample


class ScriptError(ValueError):
    """A script that cannot be played; the message names every problem."""


def load_script(outputs: Any) -> Script:
    """The script from the `outputs` argument (a list, a mapping, a file name or a text)."""
    where = _Where("outputs")
    if isinstance(outputs, str) and outputs.strip().endswith(_SCRIPT_FILE) \
            and "\n" not in outputs:
        outputs, where = _read_file(outputs.strip())
    if isinstance(outputs, str | ModelOutput):
        outputs = [outputs]
    script: Script = {}
    problems: list[str] = []
    if isinstance(outputs, dict):
        for sample, entries in outputs.items():
            script[str(sample)] = _entries(entries, where.at(sample), problems)
    else:
        script["*"] = _entries(outputs, where, problems)
    if problems:
        raise ScriptError("mockllm script: " + "; ".join(problems))
    return script


class _Where:
    """Names a place in the script: `outputs[2].arguments`, or `file:line:col` in a file."""

    def __init__(self, name: str, doc: Any = None, path: tuple[str | int, ...] = ()) -> None:
        self.name, self.doc, self.path = name, doc, path

    def at(self, key: str | int) -> _Where:
        name = f"{self.name}[{key}]" if isinstance(key, int) else f"{self.name}.{key}"
        return _Where(name, self.doc, (*self.path, key))

    def __str__(self) -> str:
        return str(self.doc.pos(self.path)) if self.doc is not None else self.name


def _read_file(name: str) -> tuple[Any, _Where]:
    from ...suite._yaml import YamlSyntaxError, read_yaml

    base = suite_folder()
    candidates = [base / name] if base is not None else []
    path = next((p for p in [*candidates, Path(name)] if p.is_file()), None)
    if path is None:
        raise ScriptError(f"mockllm script file '{name}' not found")
    try:
        doc = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except YamlSyntaxError as ex:
        raise ScriptError(f"{ex.pos}: {ex.message}") from None
    except (OSError, UnicodeDecodeError) as ex:
        raise ScriptError(f"mockllm script file '{name}': {ex}") from None
    return doc.data, _Where(str(path), doc)


def _entries(value: Any, where: _Where, problems: list[str]) -> list[ModelOutput]:
    if not isinstance(value, list) or not value:
        problems.append(f"{where}: expected a non-empty list of replies")
        return []
    made = [_entry(item, where.at(n), problems) for n, item in enumerate(value)]
    return [m for m in made if m is not None]


def _entry(item: Any, where: _Where, problems: list[str]) -> ModelOutput | None:
    if isinstance(item, ModelOutput):
        return item
    if isinstance(item, str | int | float) and not isinstance(item, bool):
        return ModelOutput.from_content("", str(item))
    if not isinstance(item, dict):
        problems.append(f"{where}: a reply is a text, {{function, arguments}} or "
                        "{content, tool_calls, stop_reason}")
        return None
    if "function" in item:
        call = _call(item, where, problems)
        return _output("", [call] if call else [], "tool_calls")
    unknown = sorted(set(item) - _OUTPUT_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key {unknown[0]} (a reply has function and "
                        "arguments, or content, tool_calls and stop_reason)")
        return None
    content = item.get("content", "")
    if not isinstance(content, str):
        problems.append(f"{where.at('content')}: content must be text")
    calls_value = item.get("tool_calls") or []
    if not isinstance(calls_value, list):
        problems.append(f"{where.at('tool_calls')}: expected a list of {{function, arguments}}")
        calls_value = []
    calls = [_call(c, where.at("tool_calls").at(n), problems) for n, c in enumerate(calls_value)]
    stop = item.get("stop_reason", "tool_calls" if calls else "stop")
    if stop not in get_args(StopReason):
        problems.append(f"{where.at('stop_reason')}: stop_reason must be one of "
                        f"{', '.join(get_args(StopReason))}")
        stop = "stop"
    return _output(str(content), [c for c in calls if c], stop)


def _call(item: Any, where: _Where, problems: list[str]) -> ToolCall | None:
    if not isinstance(item, dict) or not isinstance(item.get("function"), str) \
            or not item["function"]:
        problems.append(f"{where}: a tool call needs function: <tool name>")
        return None
    unknown = sorted(set(item) - _CALL_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key {unknown[0]} (a tool call has function, "
                        "arguments and id)")
    arguments = item.get("arguments") or {}
    if not isinstance(arguments, dict):
        problems.append(f"{where.at('arguments')}: arguments must be a mapping")
        return None
    return ToolCall(id=str(item.get("id", "")), function=item["function"], arguments=arguments)


def _output(content: str, calls: list[ToolCall], stop: Any) -> ModelOutput:
    message = ChatMessageAssistant(content=content, tool_calls=calls or None, source="generate")
    return ModelOutput(choices=[ChatCompletionChoice(message=message, stop_reason=stop)])
