"""Generate a deterministic, real-looking Python service code base (FastAPI and Flask)."""

from __future__ import annotations

import random
from pathlib import Path

from tscorpus import ENTITIES, pascal, plural


def _model(e: str) -> str:
    E = pascal(e)
    return f'''"""{E} models."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, Field


class {E}Status(str, enum.Enum):
    ACTIVE = "active"
    ARCHIVED = "archived"
    PENDING = "pending"


@dataclass
class {E}:
    id: str
    name: str
    status: {E}Status = {E}Status.PENDING
    tags: list[str] = field(default_factory=list)
    created_at: datetime = field(default_factory=datetime.utcnow)

    def rename(self, new_name: str, *, reason: str | None = None) -> {E}:
        return {E}(self.id, new_name, self.status, list(self.tags), self.created_at)

    def matches(self, query: str, exact: bool = False) -> bool:
        return self.name == query if exact else query.lower() in self.name.lower()

    @property
    def label(self) -> str:
        return f"{{self.name}} ({{self.status.value}})"


class {E}In(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    tags: list[str] = []


class {E}Out(BaseModel):
    id: str
    name: str
    status: {E}Status


def to_out(item: {E}) -> {E}Out:
    return {E}Out(id=item.id, name=item.name, status=item.status)
'''


def _service(e: str) -> str:
    E = pascal(e)
    return f'''"""{E} service: storage-agnostic business rules."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from .models_{e} import {E}, {E}In, {E}Status

log = logging.getLogger(__name__)


class {E}NotFound(LookupError):
    def __init__(self, item_id: str) -> None:
        super().__init__(f"{e} {{item_id}} not found")
        self.item_id = item_id


class {E}Service:
    def __init__(self, store: dict[str, {E}] | None = None, page_size: int = 20) -> None:
        self.store = store if store is not None else {{}}
        self.page_size = page_size

    def list(self, page: int = 1, size: int | None = None, *tags: str) -> list[{E}]:
        size = size or self.page_size
        items = sorted(self.store.values(), key=lambda x: x.name)
        if tags:
            items = [i for i in items if set(tags) & set(i.tags)]
        return items[(page - 1) * size : page * size]

    def get(self, item_id: str) -> {E}:
        try:
            return self.store[item_id]
        except KeyError:
            raise {E}NotFound(item_id) from None

    def create(self, data: {E}In, *, status: {E}Status = {E}Status.PENDING) -> {E}:
        item = {E}(id=str(len(self.store) + 1), name=data.name, status=status, tags=data.tags)
        self.store[item.id] = item
        log.info("created {e} %s", item.id)
        return item

    def update(self, item_id: str, data: {E}In, **changes: object) -> {E}:
        item = self.get(item_id).rename(data.name)
        self.store[item_id] = item
        return item

    def delete(self, item_id: str, force: bool = False) -> bool:
        return self.store.pop(item_id, None) is not None or force

    def bulk(self, items: Iterable[{E}In]) -> list[{E}]:
        return [self.create(i) for i in items]


def make_service(page_size: int = 20, **options: object) -> {E}Service:
    return {E}Service(page_size=page_size)
'''


def _fastapi_router(e: str) -> str:
    E = pascal(e)
    es = plural(e)
    return f'''"""HTTP API for {es}."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status

from .models_{e} import {E}In, {E}Out, to_out
from .services_{e} import {E}NotFound, {E}Service, make_service

router = APIRouter(prefix="/{es}", tags=["{es}"])


def get_service() -> {E}Service:
    return make_service()


@router.get("/", response_model=list[{E}Out])
def list_{es}(page: int = 1, size: int = 20, service: {E}Service = Depends(get_service)):
    return [to_out(i) for i in service.list(page, size)]


@router.get("/{{item_id}}", response_model={E}Out)
def get_{e}(item_id: str, service: {E}Service = Depends(get_service)):
    try:
        return to_out(service.get(item_id))
    except {E}NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


@router.post("/", response_model={E}Out, status_code=201)
def create_{e}(body: {E}In, service: {E}Service = Depends(get_service)):
    return to_out(service.create(body))


@router.put("/{{item_id}}", response_model={E}Out)
def update_{e}(item_id: str, body: {E}In, service: {E}Service = Depends(get_service)):
    return to_out(service.update(item_id, body))


@router.delete("/{{item_id}}", status_code=204)
def delete_{e}(item_id: str, force: bool = False, service: {E}Service = Depends(get_service)):
    service.delete(item_id, force=force)
'''


def _flask_blueprint(e: str) -> str:
    E = pascal(e)
    es = plural(e)
    return f'''"""Admin pages for {es} (Flask)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from .services_{e} import {E}NotFound, make_service

bp = Blueprint("{es}_admin", __name__, url_prefix="/admin/{es}")
service = make_service()


@bp.route("/", methods=["GET"])
def index():
    page = int(request.args.get("page", 1))
    return jsonify([i.name for i in service.list(page)])


@bp.route("/<item_id>", methods=["GET", "DELETE"])
def detail(item_id):
    if request.method == "DELETE":
        service.delete(item_id)
        return "", 204
    try:
        return jsonify(service.get(item_id).name)
    except {E}NotFound:
        abort(404)


@bp.get("/<int:page>/export")
def export_page(page: int):
    return jsonify([i.id for i in service.list(page)])
'''


def generate(root: Path, seed: int = 11, entities: int = 50) -> int:
    """Write ``entities`` packages of model/service/FastAPI router/Flask blueprint modules
    plus the two applications that mount them; returns the number of files written."""
    rng = random.Random(seed)
    names = [f"{ENTITIES[i % len(ENTITIES)]}{i // len(ENTITIES) or ''}" for i in range(entities)]
    files: dict[str, str] = {}
    for e in names:
        pkg = f"app/{e}"
        files[f"{pkg}/__init__.py"] = f'"""The {e} package."""\n'
        files[f"{pkg}/models_{e}.py"] = _model(e)
        files[f"{pkg}/services_{e}.py"] = _service(e)
        files[f"{pkg}/api_{e}.py"] = _fastapi_router(e)
        if rng.random() < 0.6:
            files[f"{pkg}/admin_{e}.py"] = _flask_blueprint(e)
    fastapi_imports = "\n".join(f"from .{e}.api_{e} import router as {e}_router" for e in names)
    mounts = "\n".join(f'app.include_router({e}_router, prefix="/api/v1")' for e in names)
    files["app/main.py"] = (
        '"""The FastAPI application."""\n\nfrom fastapi import FastAPI\n\n'
        f"{fastapi_imports}\n\napp = FastAPI(title='service')\n\n{mounts}\n"
    )
    admin = [e for e in names if f"app/{e}/admin_{e}.py" in files]
    flask_imports = "\n".join(f"from .{e}.admin_{e} import bp as {e}_bp" for e in admin)
    registers = "\n    ".join(f"app.register_blueprint({e}_bp)" for e in admin)
    files["app/admin.py"] = (
        '"""The Flask admin application."""\n\nfrom flask import Flask\n\n'
        f"{flask_imports}\n\n\ndef create_app(config: dict | None = None) -> Flask:\n"
        f"    app = Flask(__name__)\n    app.config.update(config or {{}})\n    {registers}\n"
        "    return app\n"
    )
    files["app/__init__.py"] = '"""Service package."""\n'
    for rel, body in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8")
    return len(files)
