"""YAML with positions: compose the node tree, then build plain data and a map of where
every key and value was written, so any later error can point at the exact spot.

YAML 1.1 reads some plain scalars in surprising ways (`yes` is true, `1.10` is 1.1,
`1:30` is 90). Those spots are recorded here; the loader decides later, knowing what was
expected there, whether each one is an error or a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._model import SourcePos

Path_ = tuple[str | int, ...]

_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {f"{_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}
_TRUE_FALSE = {"true", "false"}
_BASE60 = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
# Values built again through aliases (`*a` repeats what `&a` holds). Far above any real
# suite's reuse, far below what a "billion laughs" document expands to.
MAX_ALIAS_VALUES = 10_000


@dataclass
class Located:
    """Where one value (and, inside a mapping, its key) was written."""

    pos: SourcePos
    key_pos: SourcePos | None = None
    raw: str | None = None  # a scalar's text
    style: str | None = ""  # None: plain scalar; quote or | > otherwise; "": not a scalar


@dataclass
class YamlIssue:
    """A problem found while reading: an error now, or a YAML 1.1 surprise to judge later."""

    path: Path_
    message: str
    kind: str = "error"  # "error" | "bool" | "number"
    at_key: bool = False


@dataclass
class YamlDoc:
    data: Any
    where: dict[Path_, Located] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)
    file: str = ""

    def pos(self, path: Path_, at_key: bool = False) -> SourcePos:
        """The position of a path, or of its nearest written ancestor."""
        for cut in range(len(path), -1, -1):
            found = self.where.get(path[:cut])
            if found is not None:
                if at_key and cut == len(path) and found.key_pos is not None:
                    return found.key_pos
                return found.pos
        return SourcePos(self.file, 1, 1)


class YamlSyntaxError(Exception):
    def __init__(self, pos: SourcePos, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


def read_yaml(text: str, file: str) -> YamlDoc:
    """Parse one YAML document; raises YamlSyntaxError when it is not well-formed."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as ex:
        mark = ex.problem_mark or ex.context_mark
        pos = _mark_pos(file, mark) if mark else SourcePos(file, 1, 1)
        message = f"YAML syntax: {ex.problem or ex.context}"
        lines = text.splitlines()
        if mark and mark.line < len(lines) and "${{" in lines[mark.line]:
            message += " (inside { } or [ ], write \"${{ ... }}\" in quotes)"
        raise YamlSyntaxError(pos, message) from None
    except yaml.YAMLError as ex:
        raise YamlSyntaxError(SourcePos(file, 1, 1), f"YAML: {ex}") from None
    except RecursionError:
        raise YamlSyntaxError(SourcePos(file, 1, 1), "YAML nested too deeply") from None
    doc = YamlDoc(None, file=file)
    if root is not None:
        try:
            doc.data = _Builder(doc).build(root, (), None)
        except RecursionError:
            raise YamlSyntaxError(SourcePos(file, 1, 1), "YAML nested too deeply") from None
    return doc


def _mark_pos(file: str, mark: Any) -> SourcePos:
    return SourcePos(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns nodes into dicts, lists and scalars while filling the position map."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc
        self.constructor = SafeConstructor()
        self.seen: set[int] = set()  # nodes built once: building one again is an alias
        self.open: set[int] = set()  # collections being built: meeting one is a cycle
        self.repeated = 0

    def build(self, node: Node, path: Path_, key_pos: SourcePos | None) -> Any:
        pos = _mark_pos(self.doc.file, node.start_mark)
        self._count(node, pos)
        located = Located(pos, key_pos)
        self.doc.where[path] = located
        if isinstance(node, MappingNode):
            return self._collection(node, lambda: self._mapping(node, path))
        if isinstance(node, SequenceNode):
            if node.tag not in (f"{_TAG}seq",):
                return self._bad_tag(node, path)
            return self._collection(node, lambda: [
                self.build(item, (*path, i), None) for i, item in enumerate(node.value)
            ])
        assert isinstance(node, ScalarNode)
        located.raw = node.value
        located.style = node.style or None  # the C loader writes '' for plain
        return self._scalar(node, path)

    def _count(self, node: Node, pos: SourcePos) -> None:
        """Bound what aliases can make of a small document (cycles, exponential reuse)."""
        if id(node) in self.open:
            raise YamlSyntaxError(pos, "YAML alias refers to the value that holds it "
                                       "(a recursive alias)")
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return
        self.repeated += 1
        if self.repeated > MAX_ALIAS_VALUES:
            raise YamlSyntaxError(pos, f"YAML aliases expand to more than {MAX_ALIAS_VALUES:,} "
                                       "values (nested aliases repeat this anchor too often)")

    def _collection(self, node: Node, make: Callable[[], Any]) -> Any:
        self.open.add(id(node))
        try:
            return make()
        finally:
            self.open.discard(id(node))

    def _mapping(self, node: MappingNode, path: Path_) -> Any:
        if node.tag != f"{_TAG}map":
            return self._bad_tag(node, path)
        out: dict[str, Any] = {}
        for key_node, value_node in self._pairs(node, path):
            key_pos = _mark_pos(self.doc.file, key_node.start_mark)
            if not isinstance(key_node, ScalarNode):
                self.doc.where.setdefault((*path, "\0key"), Located(key_pos, key_pos))
                self.doc.issues.append(YamlIssue((*path, "\0key"), "a key must be a plain name"))
                continue
            key = key_node.value  # as written: `yes:` is the key "yes", `1.10:` is "1.10"
            if key in out:
                self.doc.where[(*path, f"{key}\0dup")] = Located(key_pos, key_pos)
                first = self.doc.where[(*path, key)].key_pos
                line = first.line if first else "?"
                message = f"duplicate key '{key}' (first written at line {line})"
                self.doc.issues.append(YamlIssue((*path, f"{key}\0dup"), message, at_key=True))
                continue
            out[key] = self.build(value_node, (*path, key), key_pos)
        return out

    def _pairs(self, node: MappingNode, path: Path_) -> list[tuple[Node, Node]]:
        """Key/value nodes, with `<<: *anchor` merge keys expanded (explicit keys win)."""
        pairs: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != f"{_TAG}merge":
                pairs.append((key_node, value_node))
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if isinstance(source, MappingNode):
                    merged.extend(source.value)
                else:
                    self.doc.issues.append(YamlIssue(path, "'<<' must merge a mapping"))
        written = {k.value for k, _ in pairs if isinstance(k, ScalarNode)}
        seen: set[str] = set()
        extra = []
        for k, v in merged:
            if isinstance(k, ScalarNode) and k.value not in written and k.value not in seen:
                seen.add(k.value)
                extra.append((k, v))
        return [*extra, *pairs]

    def _scalar(self, node: ScalarNode, path: Path_) -> Any:
        if node.tag == f"{_TAG}timestamp":
            return node.value  # a date is text here; nobody wants a datetime in a suite
        if node.tag not in _PLAIN_TAGS:
            return self._bad_tag(node, path)
        try:
            value = self.constructor.construct_object(node)
        except ConstructorError as ex:
            self.doc.issues.append(YamlIssue(path, f"YAML: {ex.problem}"))
            return node.value
        if not node.style:
            self._note_surprise(node.value, value, path)
        return value

    def _note_surprise(self, raw: str, value: Any, path: Path_) -> None:
        if isinstance(value, bool) and raw.lower() not in _TRUE_FALSE:
            self.doc.issues.append(YamlIssue(path, raw, kind="bool"))
        elif isinstance(value, int) and (_BASE60.match(raw) or _OCTAL.match(raw)):
            self.doc.issues.append(YamlIssue(path, raw, kind="number"))

    def _bad_tag(self, node: Node, path: Path_) -> None:
        self.doc.issues.append(YamlIssue(path, f"unsupported YAML tag '{node.tag}'"))
        return None
