"""Models behind one API: `get_model("provider/name").generate(...)`."""

from ..tools._info import ToolChoice, ToolFunction, ToolInfo
from ._api import ModelAPI, ModelAPIError, modelapi
from ._chat import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageBase,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Content,
    ContentAudio,
    ContentImage,
    ContentReasoning,
    ContentText,
    ContentVideo,
    ToolCall,
    as_messages,
)
from ._config import GenerateConfig
from ._get import (
    NoModelError,
    UnknownRoleError,
    close_models,
    get_model,
    model_context,
    model_ref,
)
from ._model import Model, ModelStats, UsageRecorder, active_recorders
from ._output import ChatCompletionChoice, ModelOutput, ModelUsage, StopReason

__all__ = [
    "ChatCompletionChoice",
    "ChatMessage",
    "ChatMessageAssistant",
    "ChatMessageBase",
    "ChatMessageSystem",
    "ChatMessageTool",
    "ChatMessageUser",
    "Content",
    "ContentAudio",
    "ContentImage",
    "ContentReasoning",
    "ContentText",
    "ContentVideo",
    "GenerateConfig",
    "Model",
    "ModelAPI",
    "ModelAPIError",
    "ModelOutput",
    "ModelStats",
    "ModelUsage",
    "NoModelError",
    "StopReason",
    "ToolCall",
    "ToolChoice",
    "ToolFunction",
    "ToolInfo",
    "UnknownRoleError",
    "UsageRecorder",
    "active_recorders",
    "as_messages",
    "close_models",
    "get_model",
    "model_context",
    "model_ref",
    "modelapi",
]
