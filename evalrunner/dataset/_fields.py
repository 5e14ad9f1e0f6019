"""From records to samples: a `fields:` mapping, the record's own names, or a Python function.

A `fields` value is a record field name, or a Jinja expression over the record when it
contains `{{ }}`. A value that is exactly one `{{ expr }}` keeps the expression's type (a
list of choices stays a list); any other text is rendered as a template into a string.
Sample keys that `fields` does not map are read from the record field of the same name,
when there is one, so `fields: {target: answer}` still picks up an `input` field.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, Undefined
from pydantic import ValidationError

from ..template import compile_expression, parse, render
from ._errors import DatasetError
from ._sample import Sample
from ._source import Record

SAMPLE_KEYS = (
    "input", "target", "choices", "id", "metadata", "files", "setup", "sandbox", "limits"
)
_ONE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)
_MISSING = object()

Converter = Callable[[Record], list[Sample]]


def make_converter(spec: Mapping[str, Any], base_dir: Path) -> Converter:
    """The record-to-samples function a dataset spec asks for."""
    if spec.get("record_to_sample") is not None:
        if spec.get("fields") is not None:
            raise DatasetError("give either fields or record_to_sample, not both")
        return _function_converter(str(spec["record_to_sample"]), base_dir)
    fields = spec.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise DatasetError("fields: expected a mapping of sample keys to record fields")
    return FieldMapping(fields)


class _Getter:
    """Reads one value from a record: by field name, native expression or template."""

    def __init__(self, key: str, source: str, explicit: bool) -> None:
        self.key = key
        self.source = source
        self.explicit = explicit  # written in `fields`, so a missing field is an error
        self._expression: Any = None
        self._template = False
        if "{{" in source or "{%" in source:
            try:
                match = _ONE_EXPRESSION.match(source)
                if match:
                    self._expression = compile_expression(match.group("expr"))
                else:
                    parse(source)
                    self._template = True
            except TemplateError as ex:
                raise DatasetError(f"fields.{key}: bad Jinja expression: {ex}") from None

    def get(self, record: Record) -> Any:
        if self._expression is None and not self._template:
            return self._field(record)
        variables = {**record.data, "record": record.data}
        try:
            if self._template:
                return render(self.source, **variables)
            return _defined(self._expression(variables))
        except TemplateError as ex:
            raise DatasetError(
                f"{record.where}: fields.{self.key}: {ex}", key=f"expr:{self.key}:{ex}"
            ) from None
        except Exception as ex:  # a filter or operator failed on this record's values
            message = f"{type(ex).__name__}: {ex}"
            raise DatasetError(
                f"{record.where}: fields.{self.key}: {message}", key=f"expr:{self.key}:{message}"
            ) from None

    def _field(self, record: Record) -> Any:
        value = _lookup(record.data, self.source)
        if value is _MISSING and self.explicit:
            known = ", ".join(list(record.data)[:12])
            raise DatasetError(
                f"{record.where}: fields.{self.key}: no field '{self.source}' in the record "
                f"(it has: {known})",
                key=f"missing:{self.key}:{self.source}",
            )
        return value


def _defined(value: Any) -> Any:
    """The value, after raising UndefinedError for an undefined name anywhere inside it."""
    if isinstance(value, Undefined):
        str(value)  # a strict Undefined raises here, naming the variable
    elif isinstance(value, list | tuple):
        for item in value:
            _defined(item)
    elif isinstance(value, dict):
        for item in value.values():
            _defined(item)
    return value


def _lookup(data: Mapping[str, Any], name: str) -> Any:
    """A field by name; `a.b` reaches into nested objects when no field is named `a.b`."""
    if name in data:
        return data[name]
    value: Any = data
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


class FieldMapping:
    """Maps records to samples by `fields` (or by the records' own field names)."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        unknown = [str(k) for k in fields if k not in SAMPLE_KEYS]
        if unknown:
            close = difflib.get_close_matches(unknown[0], SAMPLE_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise DatasetError(f"fields: unknown sample key '{unknown[0]}'{hint}")
        self._getters: dict[str, _Getter] = {}
        self._metadata: dict[str, _Getter] | None = None
        for key in SAMPLE_KEYS:
            if key == "metadata" and fields.get("metadata") is not None:
                self._metadata = _metadata_getters(fields["metadata"])
            elif key in fields and fields[key] is not None:
                self._getters[key] = _Getter(key, _field_source(key, fields[key]), True)
            else:
                self._getters[key] = _Getter(key, key, False)

    def __call__(self, record: Record) -> list[Sample]:
        values: dict[str, Any] = {}
        for key, getter in self._getters.items():
            value = getter.get(record)
            if value is not _MISSING and value is not None:
                values[key] = value
        if self._metadata is not None:
            values["metadata"] = {name: g.get(record) for name, g in self._metadata.items()}
        if "input" not in values:
            known = ", ".join(list(record.data)[:12])
            raise DatasetError(
                f"{record.where}: no 'input' field in the record (it has: {known}); "
                "map one with fields: {input: ...}",
                key="missing-input",
            )
        return [build_sample(values, record.where)]


def _field_source(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise DatasetError(f"fields.{key}: expected a field name or a {{{{ }}}} expression")
    return value


def _metadata_getters(spec: Any) -> dict[str, _Getter]:
    if isinstance(spec, str):
        spec = [spec]
    if isinstance(spec, list):
        return {str(name): _Getter("metadata", _field_source("metadata", name), True)
                for name in spec}
    if isinstance(spec, Mapping):
        return {str(name): _Getter(f"metadata.{name}", _field_source("metadata", src), True)
                for name, src in spec.items()}
    raise DatasetError("fields.metadata: expected a list of field names or a mapping")


def build_sample(values: Mapping[str, Any], where: str) -> Sample:
    """A Sample from loosely typed values (numbers become text, JSON-list strings lists)."""
    data = dict(values)
    if "input" in data and not isinstance(data["input"], str | list):
        data["input"] = _text(data["input"])
    if "target" in data:
        target = data["target"]
        data["target"] = [_text(t) for t in target] if isinstance(target, list) else _text(target)
    if "choices" in data:
        data["choices"] = _choices(data["choices"], where)
    if "id" in data:
        data["id"] = _id(data["id"])
    if "setup" in data:
        data["setup"] = _text(data["setup"])
    for key in ("files", "sandbox"):  # a CSV cell holds a mapping as JSON
        if isinstance(data.get(key), str) and data[key].lstrip().startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                data[key] = json.loads(data[key])
    try:
        return Sample.model_validate(data)
    except ValidationError as ex:
        raise DatasetError(f"{where}: {_first_error(ex)}", key=f"invalid:{_first_error(ex)}") \
            from None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _choices(value: Any, where: str) -> list[str]:
    # CSV cells and templates are text: accept a JSON list written in one.
    if isinstance(value, str) and value.lstrip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if not isinstance(value, list | tuple):
        raise DatasetError(f"{where}: choices: expected a list, got {type(value).__name__}",
                           key="choices-type")
    return [_text(c) for c in value]


def _id(value: Any) -> int | str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int | str) else _text(value)


def _first_error(ex: ValidationError) -> str:
    error = ex.errors()[0]
    loc = ".".join(str(p) for p in error["loc"] if not str(p).startswith(("function-", "list[")))
    return f"{loc}: {error['msg']}" if loc else str(error["msg"])


def _function_converter(name: str, base_dir: Path) -> Converter:
    from .. import registry

    try:
        info = registry.resolve("dataset", name, base_dir)
    except registry.UnknownNameError as ex:
        raise DatasetError(f"record_to_sample: {ex}") from None
    except Exception as ex:  # the user's file failed to import
        raise DatasetError(f"record_to_sample: cannot load {name}: {ex}") from None
    fn = info.obj
    if not callable(fn) or info.metadata.get("reader"):
        raise DatasetError(f"record_to_sample: '{name}' is not a function of a record")
    return callable_converter(fn)


def callable_converter(fn: Callable[[dict[str, Any]], Any]) -> Converter:
    """Records to samples through a Python function of a record (Sample, mapping, or a
    list of them); its failures are located at the record."""

    def convert(record: Record) -> list[Sample]:
        try:
            result = fn(record.data)
        except Exception as ex:
            raise DatasetError(
                f"{record.where}: record_to_sample failed: {type(ex).__name__}: {ex}",
                key=f"function:{type(ex).__name__}",
            ) from None
        items = result if isinstance(result, list) else [result]
        return [_as_sample(item, record.where) for item in items]

    return convert


def _as_sample(item: Any, where: str) -> Sample:
    if isinstance(item, Sample):
        return item
    if isinstance(item, Mapping):
        return build_sample(item, where)
    raise DatasetError(
        f"{where}: record_to_sample returned {type(item).__name__}, not a Sample",
        key="function-result",
    )
