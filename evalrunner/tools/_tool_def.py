"""`ToolDef` and `tool_with`: a tool under another name, description or parameter names.

The original tool is left as it was (a new tool object wraps it), so one factory can give
several variants in a sample. A renamed parameter is translated back before the call, so
the tool's own argument conversion and sample params work unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._info import ToolInfo
from ._schema import ToolSignature
from ._viewer import ToolCallViewer

ParameterChange = str | Mapping[str, str]


class ToolDef:
    """A tool's definition, to change before making the tool with `as_tool()`.

    `tool` is a tool (made by a `@tool` factory) or a plain async function, described from
    its signature and docstring. `parameters` maps a parameter's name to its new description
    or to `{name: ..., description: ...}` (a new name the model uses for it).
    """

    def __init__(
        self,
        tool: Callable[..., Any],
        name: str | None = None,
        description: str | None = None,
        parameters: Mapping[str, ParameterChange] | None = None,
        parallel: bool | None = None,
        viewer: ToolCallViewer | None = None,
    ) -> None:
        info: ToolInfo | None = getattr(tool, "info", None)
        self._convert: Callable[[dict[str, Any]], dict[str, Any]] | None
        if info is None:
            signature = ToolSignature(tool)
            info = signature.info(name or tool.__name__)
            self._convert = signature.convert
        else:
            self._convert = getattr(tool, "convert_arguments", None)
        self.tool = tool
        self.name = name or info.name
        self.description = description or info.description
        self.parameters: dict[str, Any] = _copy(info.parameters)
        self.parallel = parallel if parallel is not None else getattr(tool, "parallel", True)
        self.viewer = viewer or getattr(tool, "viewer", None)
        self._renamed: dict[str, str] = {}  # new name -> the tool's own name
        for param, change in (parameters or {}).items():
            self._change(param, change)

    def _change(self, param: str, change: ParameterChange) -> None:
        properties: dict[str, Any] = self.parameters["properties"]
        if param not in properties:
            raise ValueError(f"tool '{self.name}' has no parameter '{param}' (its parameters: "
                             f"{', '.join(properties) or 'none'})")
        new = {"description": change} if isinstance(change, str) else dict(change)
        unknown = set(new) - {"name", "description"}
        if unknown:
            raise ValueError(f"parameter '{param}': only name and description can change, "
                             f"not {', '.join(sorted(unknown))}")
        schema = dict(properties[param])
        if "description" in new:
            schema["description"] = new["description"]
        target = new.get("name", param)
        if target != param and target in properties:
            raise ValueError(f"parameter '{param}' cannot take the name '{target}': "
                             "the tool has a parameter of that name")
        # Rebuilt in order, so the model sees the parameters as the tool lists them.
        self.parameters["properties"] = {(target if k == param else k): (schema if k == param
                                         else v) for k, v in properties.items()}
        self.parameters["required"] = [target if r == param else r
                                       for r in self.parameters.get("required", [])]
        if target != param:
            self._renamed[target] = self._renamed.pop(param, param)

    def as_tool(self) -> Any:
        """A new tool with this definition; the original tool is not changed."""
        inner, renamed, convert = self.tool, dict(self._renamed), self._convert

        def original_names(arguments: dict[str, Any]) -> dict[str, Any]:
            return {renamed.get(k, k): v for k, v in arguments.items()}

        async def execute(**arguments: Any) -> Any:
            return await inner(**arguments)

        def convert_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
            named = original_names(arguments)
            return convert(named) if convert is not None else named

        made: Any = execute
        made.info = ToolInfo(name=self.name, description=self.description,
                             parameters=self.parameters,
                             native=getattr(getattr(inner, "info", None), "native", None))
        made.convert_arguments = convert_arguments
        made.prompt = getattr(inner, "prompt", None)
        made.sample_params = dict(getattr(inner, "sample_params", None) or {})
        made.parallel = self.parallel
        made.viewer = self.viewer
        return made


def tool_with(
    tool: Callable[..., Any],
    name: str | None = None,
    description: str | None = None,
    parameters: Mapping[str, ParameterChange] | None = None,
    parallel: bool | None = None,
    viewer: ToolCallViewer | None = None,
) -> Any:
    """`tool` under a new name, description or parameter descriptions and names (a new
    tool; `tool` itself is unchanged). Raises ValueError naming an unknown parameter."""
    return ToolDef(tool, name, description, parameters, parallel, viewer).as_tool()


def _copy(parameters: dict[str, Any]) -> dict[str, Any]:
    return {**parameters, "properties": dict(parameters.get("properties", {})),
            "required": list(parameters.get("required", []))}
