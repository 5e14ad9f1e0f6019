"""`evalrunner view`: browse a folder of logs in a web page served by the package."""

from ._export import export_viewer
from ._library import LogLibrary, NotFound, SampleQuery
from ._serve import DEFAULT_PORT, BackgroundViewer, serve

__all__ = [
    "DEFAULT_PORT",
    "BackgroundViewer",
    "LogLibrary",
    "NotFound",
    "SampleQuery",
    "export_viewer",
    "serve",
]
