"""Media parts of sample inputs (image, audio, video): local paths become data URLs when
the dataset is read.

A relative path is resolved against the dataset file's folder (on whatever filesystem the
dataset lives), so a dataset and its pictures can move together; URLs and data URLs pass
through untouched, since a provider fetches those itself.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..model._chat import ContentAudio, ContentImage, ContentVideo
from ._errors import DatasetError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_MIME = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".mp4": "video/mp4",
    ".mpeg": "video/mpeg",
    ".mov": "video/quicktime",
}
# The part types with a file reference, and the attribute holding it.
_MEDIA: dict[type[Any], str] = {
    ContentImage: "image", ContentAudio: "audio", ContentVideo: "video",
}


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


class OutsideFolder(ValueError):
    """A file named by a dataset that is not inside the dataset's folder."""


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def is_url(value: str) -> bool:
    """`scheme://...`: a URL for fsspec or a provider, not a local path."""
    return bool(_URL.match(value))


class ImageFolder:
    """Reads images named relative to one folder of one filesystem."""

    def __init__(self, fs: Any, folder: str, display: str) -> None:
        self._filesystem = fs  # None: the local one, made when a file is first read
        self._folder = folder
        self._display = display  # the dataset as written, for messages
        # Datasets often reuse a handful of pictures; keep the last few encodings.
        self.data_url = lru_cache(maxsize=16)(self._data_url)

    @classmethod
    def local(cls, folder: Path, display: str) -> ImageFolder:
        # fsspec costs a quarter of a second to import: most suites' samples name no file.
        return cls(None, str(folder), display)

    @property
    def _fs(self) -> Any:
        if self._filesystem is None:
            from fsspec.implementations.local import LocalFileSystem

            self._filesystem = LocalFileSystem()
        return self._filesystem

    def read(self, ref: str) -> bytes:
        """The bytes of a file named relative to the folder; FileNotFoundError if none,
        OutsideFolder if `ref` leads out of it."""
        with self._fs.open(self.inside(ref), "rb") as file:
            data: bytes = file.read()
        return data

    def inside(self, ref: str) -> str:
        """The path of `ref` in the folder. A dataset is somebody else's data: an absolute
        path, `~`, or `..` (or a symlink) leading out of its folder would hand a host file
        (`~/.aws/credentials`) to the model and the log, so it raises OutsideFolder."""
        if posixpath.isabs(ref) or ref.startswith(("~", "\\")) or _DRIVE.match(ref):
            raise OutsideFolder(f"'{ref}' is an absolute path")
        folder = posixpath.normpath(self._folder)
        path = posixpath.normpath(posixpath.join(folder, ref))
        if not _within(path, folder):
            raise OutsideFolder(f"'{ref}' leads out of the dataset's folder")
        protocols = self._fs.protocol
        if {"file", "local"} & set([protocols] if isinstance(protocols, str) else protocols):
            real, real_folder = os.path.realpath(path), os.path.realpath(folder)
            if not _within(real, real_folder):
                raise OutsideFolder(f"'{ref}' is a link out of the dataset's folder")
        return path

    def _data_url(self, ref: str, kind: str = "image") -> str:
        if ref.startswith("data:") or is_url(ref):
            return ref
        mime = _mime_type(ref)
        if mime is None or not mime.startswith(f"{kind}/"):
            raise DatasetError(f"{kind} '{ref}' is not a known {kind} type",
                               key=f"{kind}-type:{ref}")
        try:
            path = self.inside(ref)
        except OutsideFolder as ex:
            raise DatasetError(f"{kind} {ex}", key=f"image:{ref}") from None
        try:
            with self._fs.open(path, "rb") as file:
                data = file.read()
        except FileNotFoundError:
            raise DatasetError(
                f"{kind} '{ref}' not found (looked in the folder of {self._display})",
                key=f"image:{ref}",
            ) from None
        except OSError as ex:
            raise DatasetError(f"{kind} '{ref}' cannot be read: {ex}", key=f"image:{ref}") from None
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _mime_type(ref: str) -> str | None:
    suffix = Path(ref).suffix.lower()
    if suffix in _MIME:
        return _MIME[suffix]
    guessed, _ = mimetypes.guess_type(ref)
    return guessed if guessed and guessed.startswith(("image/", "audio/", "video/")) else None


def resolve_images(input: Any, folder: ImageFolder | None, where: str) -> None:
    """Replace every local image path in a message-list input by a data URL, in place."""
    if isinstance(input, str):
        return
    for message in input:
        if isinstance(message.content, str):
            continue
        for part in message.content:
            attr = _MEDIA.get(type(part))
            if attr is None:
                continue
            ref = getattr(part, attr)
            if folder is None:
                if ref.startswith("data:") or is_url(ref):
                    continue
                raise DatasetError(
                    f"{where}: {attr} '{ref}' is a local path but this dataset has no "
                    "folder to resolve it in", key="image-folder",
                )
            try:
                setattr(part, attr, folder.data_url(ref, attr))
            except DatasetError as ex:
                raise DatasetError(f"{where}: {ex}", key=ex.key) from None
