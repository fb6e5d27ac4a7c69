"""Save a changed config into the user's YAML file without rewriting it (comments, order survive).

The file is read with ``ruamel.yaml``'s round-trip loader, and only what changed between the
config as it was loaded (``old``) and the config being saved (``new``) is written into that tree:
a changed value is replaced, a removed key or list item is deleted, a new list item (a zone, a
camera) — or a section the file left out — is added with only the values that differ from the defaults. Everything else — comments,
key order, flow-style lists, values the user never set — stays as the user wrote it.

Example:
    >>> write_changes(Path("site.yaml"), old_dict, new_dict)   # doctest: +SKIP
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

#: Makes a new list item (a dict of the full config) minimal: only what differs from the defaults.
Trim = Callable[[tuple[str | int, ...], dict[str, Any]], dict[str, Any]]


def _yaml() -> YAML:
    y = YAML()  # round-trip
    y.preserve_quotes = True
    y.width = 110
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _key_of(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _merge(tree: Any, old: Any, new: Any, path: tuple[str | int, ...], trim: Trim | None) -> Any:
    """Bring ``tree`` (the file's node for ``old``) up to ``new``; returns the node to store."""
    if old == new:
        return tree
    if isinstance(new, dict) and isinstance(old, dict) and isinstance(tree, dict):
        for key in [k for k in list(tree) if k in old and k not in new]:
            del tree[key]
        for key, value in new.items():
            if key in tree:
                tree[key] = _merge(tree[key], old.get(key), value, (*path, key), trim)
            elif old.get(key, _MISSING) != value:
                # A key the file leaves out held defaults: write only what now differs from them.
                tree[key] = _plain(_changed(old[key], value) if _both_dicts(old.get(key), value) else value)
        return tree
    if isinstance(new, list) and isinstance(old, list) and isinstance(tree, list) and len(tree) == len(old):
        keys_old = [_key_of(o) for o in old]
        if all(k is not None for k in keys_old) and all(_key_of(n) is not None for n in new):
            by_key = {k: (t, o) for k, t, o in zip(keys_old, tree, old, strict=True)}
            out = CommentedSeq()
            for i, item in enumerate(new):
                if item["id"] in by_key:
                    t, o = by_key[item["id"]]
                    out.append(_merge(t, o, item, (*path, i), trim))
                else:
                    out.append(_plain(trim((*path, i), item) if trim else item))
            comments = _moved_comments(tree, keep=[by_key.get(n["id"], (None,))[0] for n in new])
            tree.clear()
            tree.extend(out)
            tree.ca.items.clear()
            tree.ca.items.update(comments)
            return tree
        if len(new) == len(old):
            for i, (o, n) in enumerate(zip(old, new, strict=True)):
                tree[i] = _merge(tree[i], o, n, (*path, i), trim)
            return tree
    return _plain(new, like=tree)


_MISSING = object()


def _both_dicts(a: Any, b: Any) -> bool:
    return isinstance(a, dict) and isinstance(b, dict)


def _changed(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The part of ``new`` that differs from ``old`` (recursively for nested mappings)."""
    return {
        k: _changed(old[k], v) if _both_dicts(old.get(k), v) else v
        for k, v in new.items()
        if old.get(k, _MISSING) != v
    }


def _moved_comments(src: CommentedSeq, keep: list[Any]) -> dict[int, Any]:
    """The comments of the list items that stay, at their new positions."""
    old_items = list(src)
    out: dict[int, Any] = {}
    for new_i, node in enumerate(keep):
        old_i = next((i for i, o in enumerate(old_items) if o is node), None) if node is not None else None
        if old_i is not None and old_i in src.ca.items:
            out[new_i] = src.ca.items[old_i]
    return out


def _plain(value: Any, like: Any = None) -> Any:
    """A value for the tree; a list replacing a flow-style list (``[[0.1, 0.2], …]``) stays inline."""
    if isinstance(value, dict):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _plain(v)
        return m
    if isinstance(value, list):
        s = CommentedSeq(_plain(v) for v in value)
        inline = isinstance(like, CommentedSeq) and like.fa.flow_style()
        if inline or (value and all(not isinstance(v, dict | list) or _numbers(v) for v in value)):
            s.fa.set_flow_style()
        return s
    return value


def _numbers(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, int | float) for x in v)


def write_changes(path: Path, old: dict[str, Any], new: dict[str, Any], *, trim: Trim | None = None) -> None:
    """Write the difference between ``old`` and ``new`` into the YAML file at ``path``, atomically.

    Args:
        path: an existing YAML file (its content corresponds to ``old``).
        old: the config as loaded from the file (full, defaults filled in).
        new: the config to save (same shape).
        trim: makes a new list item minimal (given its path and full dict).

    Raises:
        OSError: the file cannot be read or written.
        ValueError: the file is not a YAML mapping any more.
    """
    y = _yaml()
    text = path.read_text(encoding="utf-8")
    tree = y.load(text)
    if not isinstance(tree, CommentedMap):
        raise ValueError(f"{path} is not a YAML mapping")
    _merge(tree, old, new, (), trim)
    buf = io.StringIO()
    y.dump(tree, buf)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(path)
