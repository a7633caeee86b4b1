"""Provides `History`, an immutable append-only sequence whose versions share storage.

Every state snapshot keeps the full lap and crossing history of each car; copying those
tuples on every event would make a fold O(n²). `History.appended` copies at most one small
chunk (and, once per chunk, the list of chunk references), so appending is amortised O(1)
while every earlier version stays valid and unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")

CHUNK = 64


class History(Sequence[T], Generic[T]):
    """An immutable sequence with cheap `appended`; compares equal to any equal sequence."""

    __slots__ = ("_chunks", "_len", "_tail")

    _chunks: tuple[tuple[T, ...], ...]
    _tail: tuple[T, ...]
    _len: int

    def __init__(self, items: Sequence[T] = ()) -> None:
        items = tuple(items)
        cut = len(items) - len(items) % CHUNK
        self._chunks = tuple(items[i : i + CHUNK] for i in range(0, cut, CHUNK))
        self._tail = items[cut:]
        self._len = len(items)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_len"):
            raise AttributeError("History is immutable; use appended()")
        object.__setattr__(self, name, value)

    def appended(self, item: T) -> History[T]:
        """A new history with ``item`` at the end; this one is unchanged."""
        new = object.__new__(History)
        tail = (*self._tail, item)
        if len(tail) == CHUNK:
            _set_chunks(new, (*self._chunks, tail))
            _set_tail(new, ())
        else:
            _set_chunks(new, self._chunks)
            _set_tail(new, tail)
        _set_len(new, self._len + 1)
        return new

    def replaced_last(self, item: T) -> History[T]:
        """A new history whose last item is ``item`` (used to amend the newest entry)."""
        if not self._len:
            raise IndexError("replaced_last on an empty History")
        items = tuple(self)
        return History((*items[:-1], item))

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[T]:
        return chain(chain.from_iterable(self._chunks), self._tail)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("History index out of range")
        full = len(self._chunks) * CHUNK
        if index >= full:
            return self._tail[index - full]
        return self._chunks[index // CHUNK][index % CHUNK]

    def last(self, default: Any = None) -> T | Any:
        """The newest item, or ``default`` when empty (O(1))."""
        if self._tail:
            return self._tail[-1]
        if self._chunks:
            return self._chunks[-1][-1]
        return default

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            return self._len == other._len and (
                (self._chunks is other._chunks or self._chunks == other._chunks)
                and self._tail == other._tail
            )
        if isinstance(other, Sequence) and not isinstance(other, str):
            if len(other) != self._len:
                return False
            return all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"History({list(self)!r})"


# The slots' own setters, bypassing the immutability guard in `History.__setattr__` (only
# `appended` uses them, on a History nobody else has seen yet).
_set_chunks: Callable[[History[Any], tuple[tuple[Any, ...], ...]], None] = History.__dict__[
    "_chunks"
].__set__
_set_tail: Callable[[History[Any], tuple[Any, ...]], None] = History.__dict__["_tail"].__set__
_set_len: Callable[[History[Any], int], None] = History.__dict__["_len"].__set__

EMPTY: History[Any] = History()
