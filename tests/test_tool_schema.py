"""Python tools' schemas from pydantic over the signature and descriptions from docstrings
in every common style; the model's arguments arrive as the hinted types."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from evalrunner.model._chat import ChatMessageAssistant, ToolCall
from evalrunner.tools import execute_tools, json_schema, tool_info
from evalrunner.tools._schema import ToolSignature


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Point(BaseModel):
    """A point on the plane."""

    x: int
    y: int = 0


@dataclass
class Box:
    width: float
    label: str = "box"


class Tree(BaseModel):
    kids: list[Tree] = []


async def draw(
    shape: Literal["circle", "square"],
    color: Color,
    at: Point,
    boxes: list[Box],
    size: int | str = 3,
    tint: Color = Color.GREEN,
    scale: Annotated[float, Field(gt=0, description="How much bigger.")] = 1.0,
    *rest: Any,
    secret: str = "",
    **more: Any,
) -> str:
    """Draw a shape.

    Places it on the canvas.

    Args:
        shape: Which shape.
        color: Its colour, over two
            lines.
        at (Point): Where.
    """
    return f"{shape} {color} {at} {boxes} {size} {tint} {scale}"


def test_literal_enum_union_nested_defaults_and_hidden_params() -> None:
    info = tool_info("draw", draw, hidden={"secret"})
    props = info.parameters["properties"]
    assert info.description == "Draw a shape.\n\nPlaces it on the canvas."
    assert list(props) == ["shape", "color", "at", "boxes", "size", "tint", "scale"]
    assert info.parameters["required"] == ["shape", "color", "at", "boxes"]
    assert props["shape"] == {"type": "string", "enum": ["circle", "square"],
                              "description": "Which shape."}
    assert props["color"] == {"type": "string", "enum": ["red", "green"],
                              "description": "Its colour, over two\nlines."}
    # Nested models and dataclasses are inlined: many providers take no $ref.
    assert props["at"] == {
        "type": "object", "description": "Where.",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer", "default": 0}},
        "required": ["x"],
    }
    assert props["boxes"]["items"]["properties"]["width"] == {"type": "number"}
    assert props["boxes"]["items"]["required"] == ["width"]
    assert props["size"] == {"anyOf": [{"type": "integer"}, {"type": "string"}], "default": 3}
    assert props["tint"] == {"type": "string", "enum": ["red", "green"], "default": "green"}
    assert props["scale"] == {"type": "number", "exclusiveMinimum": 0, "default": 1.0,
                              "description": "How much bigger."}


def numpy_style(query: str, limit: int = 10) -> None:
    """Search the index.

    Parameters
    ----------
    query : str
        What to look for.
    limit : int, optional
        At most this many hits.
    """


def rest_style(query: str, limit: int = 10) -> None:
    """Search the index.

    :param query: What to look for.
    :param limit: At most this many hits.
    :returns: nothing.
    """


def google_style(query: str, limit: int = 10) -> None:
    """Search the index.

    Args:
        query (str): What to look for.
        limit: At most this many hits.

    Returns:
        Nothing.
    """


def test_docstring_styles_give_the_same_descriptions() -> None:
    for fn in (numpy_style, rest_style, google_style):
        info = tool_info("search", fn)
        assert info.description == "Search the index.", fn.__name__
        props = info.parameters["properties"]
        assert props["query"] == {"type": "string", "description": "What to look for."}
        assert props["limit"] == {"type": "integer", "default": 10,
                                  "description": "At most this many hits."}


def test_a_recursive_type_keeps_its_references() -> None:
    schema = json_schema(Tree)
    assert schema["$ref"] == "#/$defs/Tree"
    assert schema["$defs"]["Tree"]["properties"]["kids"]["items"] == {"$ref": "#/$defs/Tree"}


def test_a_parameter_named_title_is_kept() -> None:
    def fn(title: str, body: str = "") -> None:
        """Post."""

    assert list(tool_info("post", fn).parameters["properties"]) == ["title", "body"]


async def test_arguments_arrive_as_the_hinted_types() -> None:
    seen: dict[str, Any] = {}

    async def paint(color: Color, at: Point, boxes: list[Box], tint: Color = Color.RED) -> str:
        """Paint."""
        seen.update(color=color, at=at, boxes=boxes, tint=tint)
        return "ok"

    signature = ToolSignature(paint)
    paint.info = signature.info("paint")  # type: ignore[attr-defined]
    paint.convert_arguments = signature.convert  # type: ignore[attr-defined]
    arguments = {"color": "red", "at": {"x": 1}, "boxes": [{"width": 2.5}]}
    call = ToolCall(id="c1", function="paint", arguments=arguments)
    message = ChatMessageAssistant(content="", tool_calls=[call])
    [result] = await execute_tools(message, [paint])
    assert (result.error, result.text) == (None, "ok")
    assert seen == {"color": Color.RED, "at": Point(x=1), "boxes": [Box(width=2.5)],
                    "tint": Color.RED}
    # A value outside the enum is reported to the model, not raised.
    bad = ToolCall(id="c2", function="paint", arguments={**arguments, "color": "blue"})
    [result] = await execute_tools(ChatMessageAssistant(content="", tool_calls=[bad]), [paint])
    assert result.error is not None and "blue" in result.error
