"""A chain's stores for the head office: where each store's database (and running service) is.

A head office lists its stores in a small YAML file (``stores.yaml``)::

    stores:
      - id: berlin-01
        name: Berlin Mitte
        db: postgresql://headoffice:${PG_PASSWORD}@db.chain.local/store_berlin_01
        service: http://10.1.0.5:8765          # optional: its `storesight serve`, for the live view
        config: /srv/storesight/berlin-01.yaml # optional: its site config (zones, camera names)
      - id: hamburg-02
        name: Hamburg Hafen
        db: postgresql://headoffice:${PG_PASSWORD}@db.chain.local/store_hamburg_02

Each store has its own database: one PostgreSQL server with a database per store, or a server
per store — both are just URLs. ``${VAR}`` is replaced from the environment (passwords and
tokens stay out of the file). ``storesight stores`` prints the catalogue's numbers per store and
for all stores (:func:`app.store.metrics.combine_site_numbers`); the window switches between the
stores (View ▸ Store).

Example:
    >>> refs = parse_stores({"stores": [{"id": "a", "name": "A", "db": "sqlite:///a.db"}]}, "x.yaml")
    >>> refs[0].label
    'A'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.errors import UserError

#: The environment variable naming the stores file (the window's store switcher reads it).
STORES_ENV = "STORESIGHT_STORES"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class StoreRef(BaseModel):
    """One store of the chain."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$", description="Short unique id, e.g. berlin-01.")
    name: str = Field("", description="The store's name as people say it.")
    db: str = Field(description="Its database URL (${VAR} from the environment).")
    service: str | None = Field(None, description="Its running `storesight serve` (http://host:port).")
    config: Path | None = Field(None, description="Its site config file (zones, camera names).")

    @field_validator("service")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("http://", "https://")):
            raise ValueError("service: expected http://host:port")
        return v

    @property
    def label(self) -> str:
        """The name, else the id."""
        return self.name or self.id

    @property
    def safe_db(self) -> str:
        """The database URL without its password (for tables and the window)."""
        from app.store.db import safe_url

        return safe_url(self.db)


def _expand(value: str, where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        got = os.environ.get(m.group(1))
        if got is None:
            raise UserError(f"{where}: ${{{m.group(1)}}} is not set in the environment", 2)
        return got

    return _VAR.sub(sub, value)


def parse_stores(data: Any, where: str) -> list[StoreRef]:
    """The stores of a parsed stores file (``where`` names it in messages).

    Raises:
        UserError: not a list of stores, a bad entry, a duplicate id, an unset ``${VAR}`` (exit 2).
    """
    if not isinstance(data, dict) or not isinstance(data.get("stores"), list) or not data["stores"]:
        raise UserError(f"{where}: expected 'stores:' with at least one store (id, name, db)", 2)
    refs: list[StoreRef] = []
    for i, entry in enumerate(data["stores"]):
        try:
            ref = StoreRef.model_validate(entry)
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "entry"
            raise UserError(f"{where}: store {i + 1}: {field}: {err['msg']}", 2) from None
        ref = ref.model_copy(update={
            "db": _expand(ref.db, f"{where}: store {ref.id}"),
            "service": _expand(ref.service, f"{where}: store {ref.id}") if ref.service else None,
        })  # fmt: skip
        if any(r.id == ref.id for r in refs):
            raise UserError(f"{where}: store id {ref.id!r} is listed twice", 2)
        refs.append(ref)
    return refs


def load_stores(path: Path) -> list[StoreRef]:
    """Read a stores file (see the module's text); relative ``config`` paths are from its folder.

    Raises:
        UserError: the file is missing or not valid (exit 2).
    """
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read the stores file ({e.strerror})", 2) from None
    except yaml.YAMLError as e:
        raise UserError(f"{path}: not valid YAML ({str(e).splitlines()[0]})", 2) from None
    refs = parse_stores(data, str(path))
    base = Path(path).expanduser().resolve().parent
    return [r.model_copy(update={"config": base / r.config}) if r.config and not r.config.is_absolute() else r
            for r in refs]  # fmt: skip


@dataclass(frozen=True, slots=True)
class StoreNumbers:
    """One store's catalogue numbers for a period, or why they could not be read."""

    store: StoreRef
    numbers: dict[str, Any] | None
    error: str = ""


def chain_numbers(
    refs: list[StoreRef], since: float | None, until: float | None, *, role: str = "customer"
) -> tuple[list[StoreNumbers], dict[str, Any]]:
    """Every store's site numbers (:func:`app.store.metrics.key_numbers`) and the all-stores numbers.

    A store whose database cannot be opened is listed with its error (the others still count).
    """
    from app.store import metrics
    from app.store.db import open_store

    out: list[StoreNumbers] = []
    for ref in refs:
        try:
            missing = _sqlite_missing(ref.db)
            if missing is not None:
                raise UserError(f"database file not found: {missing}")
            store = open_store(ref.db, read_only_ok=True)
            try:
                out.append(StoreNumbers(ref, metrics.key_numbers(store, since, until, role=role)))  # type: ignore[arg-type]
            finally:
                store.close()
        except Exception as e:  # one store down must not hide the others
            out.append(StoreNumbers(ref, None, _one_line(e, ref)))
    combined = metrics.combine_site_numbers([s.numbers for s in out if s.numbers is not None])
    return out, combined


def _sqlite_missing(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:
        return None
    db = u.database
    if u.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
        p = Path(db).expanduser()
        return None if p.is_file() else str(p)
    return None


def _one_line(e: BaseException, ref: StoreRef) -> str:
    text = str(e).splitlines()[0] if str(e) else e.__class__.__name__
    from sqlalchemy.engine import make_url

    try:
        pw = make_url(ref.db).password
    except Exception:
        pw = None
    return text.replace(str(pw), "***") if pw else text
