"""A sample's `files`: a value naming a file beside the dataset becomes that file's contents.

Read when the dataset is read (like images), as a data: URL, so that a sandbox receives
text or bytes and never a path of this machine. Any other value is the file's text.
"""

from __future__ import annotations

import base64

from ._errors import DatasetError
from ._images import ImageFolder, OutsideFolder
from ._sample import Sample

MAX_NAME = 1024  # longer values are contents, not file names


def resolve_files(sample: Sample, folder: ImageFolder | None, where: str) -> None:
    """Replace each `files` value that names an existing file by its contents, in place."""
    if not sample.files or folder is None:
        return
    for path, value in sample.files.items():
        if value.startswith("data:") or len(value) > MAX_NAME or "\n" in value or not value:
            continue
        try:
            data = folder.read(value)
        except OutsideFolder as ex:
            raise DatasetError(f"{where}: files.{path}: {ex} (a sample's files must be "
                               "inside the dataset's folder)", key=f"files:{value}") from None
        except (FileNotFoundError, IsADirectoryError):
            continue  # not a file beside the dataset: the value is the text itself
        except OSError as ex:
            raise DatasetError(f"{where}: files.{path}: cannot read '{value}': {ex}",
                               key=f"files:{value}") from None
        sample.files[path] = "data:;base64," + base64.b64encode(data).decode("ascii")
