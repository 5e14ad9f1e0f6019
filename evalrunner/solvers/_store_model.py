"""StoreModel: typed, validated views of a sample's store, as Inspect's `store_as`.

A field `count` of `class Progress(StoreModel)` lives in the store under
`Progress:count` (`Progress:<instance>:count` for a named instance), so it reaches the
log like any store entry and every view of the same store sees the same value.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ._store import Store, store

_OWN = ("store", "instance")


class StoreModel(BaseModel):
    """Subclass with typed fields; `state.store_as(Cls)` binds one to a sample's store."""

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=True)

    store: Store = Field(default_factory=store, exclude=True)
    instance: str | None = Field(default=None, exclude=True)

    def model_post_init(self, context: Any, /) -> None:
        for name in self._data_fields():
            key = self._key(name)
            if key in self.store:
                # The store wins over defaults: validated into the field's type.
                super().__setattr__(name, self.store[key])
            self.store[key] = BaseModel.__getattribute__(self, name)

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_") and name not in _OWN and name in type(self).model_fields:
            data = object.__getattribute__(self, "__dict__")
            key = object.__getattribute__(self, "_key")(name)
            if key in data["store"]:
                return data["store"][key]
        return super().__getattribute__(name)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in self._data_fields():
            self.store[self._key(name)] = BaseModel.__getattribute__(self, name)

    @classmethod
    def _data_fields(cls) -> list[str]:
        return [n for n in cls.model_fields if n not in _OWN]

    def _key(self, name: str) -> str:
        instance = self.__dict__.get("instance")
        prefix = type(self).__name__ if instance is None else f"{type(self).__name__}:{instance}"
        return f"{prefix}:{name}"
