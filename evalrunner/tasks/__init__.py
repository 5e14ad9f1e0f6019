"""Tasks written in Python, as Inspect writes them: `Task`, `@task`, `task_with`, `Epochs`.
A Python task becomes the same `TaskDef` a YAML task compiles to, so it is checked, built
once and run by the same session. (The dataset helpers are in `evalrunner.dataset`.)"""

from ._convert import task_def
from ._load import is_task_file, load_task_file
from ._task import Epochs, Task, task, task_with

__all__ = [
    "Epochs",
    "Task",
    "is_task_file",
    "load_task_file",
    "task",
    "task_def",
    "task_with",
]
