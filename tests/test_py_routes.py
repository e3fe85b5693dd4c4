"""FastAPI and Flask routes: each form, prefixes across modules, traps, and two real-shaped apps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specweave_git.code import py_analyzer
from specweave_git.code.values import env_defaults_from_files
from specweave_git.model import Route, Warning_

FIXTURES = Path(__file__).parent / "fixtures"


def link(
    files: dict[str, str], env_files: dict[str, str] | None = None
) -> tuple[list[Route], list[Warning_]]:
    facts = {p: py_analyzer.analyze(p, s.encode(), "python") for p, s in files.items()}
    # Facts are cached as JSON: linking must work on what survives a round trip.
    facts = json.loads(json.dumps(facts))
    _, routes, warnings = py_analyzer.link(facts, env_defaults_from_files(env_files or {}))
    return routes, warnings


def pairs(routes: list[Route]) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in routes}


FA = "from fastapi import FastAPI, APIRouter\n"
FL = "from flask import Flask, Blueprint\n"

CASES = [
    # --- FastAPI ---------------------------------------------------------------------
    (
        {"main.py": FA + "app = FastAPI()\n@app.get('/items/{item_id}')\nasync def r(): ...\n"},
        {("GET", "/items/{item_id}")},
        "fastapi-get",
    ),
    (
        {
            "main.py": FA
            + "app = FastAPI()\n"
            + "".join(
                f"@app.{m}('/x')\ndef h{m}(): ...\n"
                for m in ("post", "put", "patch", "delete", "head", "options")
            )
        },
        {
            ("POST", "/x"),
            ("PUT", "/x"),
            ("PATCH", "/x"),
            ("DELETE", "/x"),
            ("HEAD", "/x"),
            ("OPTIONS", "/x"),
        },
        "fastapi-verbs",
    ),
    (
        {
            "main.py": FA + "app = FastAPI()\n"
            "@app.api_route('/a', methods=['GET', 'post'])\ndef a(): ...\n"
            "@app.api_route('/b')\ndef b(): ...\n"
            "def c(): ...\napp.add_api_route('/c', c, methods=['PUT'])\n"
            "app.add_api_route('/d', endpoint=c)\n"
        },
        {("GET", "/a"), ("POST", "/a"), ("GET", "/b"), ("PUT", "/c"), ("GET", "/d")},
        "fastapi-api-route-and-add-api-route",
    ),
    (
        {
            "main.py": FA + "from app.routers import users\napp = FastAPI()\n"
            "app.include_router(users.router, prefix='/users')\n",
            "app/routers/__init__.py": "",
            "app/routers/users.py": FA + "router = APIRouter()\n"
            "@router.get('')\ndef ls(): ...\n@router.get('/')\ndef ls2(): ...\n"
            "@router.get('/{id:path}')\ndef one(): ...\n",
        },
        {("GET", "/users"), ("GET", "/users/{id}")},
        "fastapi-include-module-attr-empty-path-trailing-slash",
    ),
    (
        {
            "app/main.py": FA + "from .routers import users\napp = FastAPI()\n"
            "app.include_router(users.router)\n",
            "app/routers/users.py": FA + "router = APIRouter(prefix='/users')\n"
            "@router.post('/')\ndef c(): ...\n",
        },
        {("POST", "/users")},
        "fastapi-relative-import-namespace-package-router-prefix",
    ),
    (
        {
            "src/app/main.py": FA + "from app.api import router as api\n"
            "import app.admin as admin\napp = FastAPI()\n"
            "app.include_router(api, prefix='/api')\napp.include_router(admin.router)\n",
            "src/app/__init__.py": "",
            "src/app/api.py": FA
            + "router = APIRouter(prefix='/v1')\n@router.get('/x')\ndef x(): ...\n",
            "src/app/admin.py": FA + "router = APIRouter(prefix='/admin')\n"
            "@router.delete('/y')\ndef y(): ...\n",
        },
        {("GET", "/api/v1/x"), ("DELETE", "/admin/y")},
        "fastapi-src-layout-absolute-and-import-as",
    ),
    (
        {
            "main.py": FA + "from api import api_router\napp = FastAPI()\n"
            "app.include_router(api_router, prefix='/api')\n",
            "api/__init__.py": FA + "from .v1 import v1\napi_router = APIRouter()\n"
            "api_router.include_router(v1, prefix='/v1')\n",
            "api/v1/__init__.py": FA + "from . import items\nv1 = APIRouter()\n"
            "v1.include_router(items.router, prefix='/items')\n",
            "api/v1/items.py": FA + "router = APIRouter(prefix='/own')\n"
            "@router.get('/{id}')\ndef g(): ...\n",
        },
        {("GET", "/api/v1/items/own/{id}")},
        "fastapi-three-levels-deep",
    ),
    (
        {
            "main.py": FA + "from r import router\napp = FastAPI()\n"
            "app.include_router(router, prefix='/v1')\napp.include_router(router, prefix='/v2')\n",
            "r.py": FA + "router = APIRouter()\n@router.get('/x')\ndef x(): ...\n",
        },
        {("GET", "/v1/x"), ("GET", "/v2/x")},
        "fastapi-router-included-twice",
    ),
    (
        {
            "main.py": FA + "from consts import PREFIX, VERSION\napp = FastAPI()\n"
            "r = APIRouter(prefix=f'{PREFIX}/' + VERSION)\n@r.get('/x')\ndef x(): ...\n"
            "app.include_router(r)\n",
            "consts.py": "BASE = '/api'\nPREFIX = BASE\nVERSION = 'v2'\n",
        },
        {("GET", "/api/v2/x")},
        "fastapi-prefix-constants-other-module",
    ),
    (
        {
            "main.py": FA + "def create_app():\n    app = FastAPI()\n"
            "    from routes import router\n    app.include_router(router, prefix='/p')\n"
            "    return app\napp = create_app()\n",
            "routes.py": FA + "router = APIRouter()\n@router.get('/x')\ndef x(): ...\n",
        },
        {("GET", "/p/x")},
        "fastapi-create-app-factory",
    ),
    (
        {
            "main.py": FA + "from health import register\napp = FastAPI()\nregister(app)\n",
            "health.py": "from fastapi import FastAPI\n"
            "def register(app: FastAPI) -> None:\n"
            "    @app.get('/health')\n    def health(): ...\n",
        },
        {("GET", "/health")},
        "fastapi-receiver-passed-to-function",
    ),
    (
        {
            "main.py": FA + "app = FastAPI()\nv1 = FastAPI()\n@v1.get('/x')\ndef x(): ...\n"
            "app.mount('/v1', v1)\n",
        },
        {("GET", "/v1/x")},
        "fastapi-mounted-sub-application",
    ),
    (
        {
            "main.py": "import fastapi\napp = fastapi.FastAPI()\n"
            "routers = [fastapi.APIRouter(prefix='/a')]\n"
            "a = fastapi.APIRouter(prefix='/a')\nb = fastapi.APIRouter(prefix='/b')\n"
            "@a.get('/x')\ndef ax(): ...\n@b.get('/y')\ndef by(): ...\n"
            "for r in (a, b):\n    app.include_router(r, prefix='/api')\n",
        },
        {("GET", "/api/a/x"), ("GET", "/api/b/y")},
        "fastapi-module-import-and-for-loop",
    ),
    # --- Flask -------------------------------------------------------------------------
    (
        {
            "app.py": FL + "app = Flask(__name__)\n@app.route('/')\ndef i(): ...\n"
            "@app.route('/u/<int:id>', methods=['GET', 'POST'])\ndef u(id): ...\n"
            "@app.route('/t/<path:p>/', methods=('PUT', 'DELETE'))\ndef t(p): ...\n"
            "@app.get('/g')\ndef g(): ...\n@app.post('/g')\ndef gp(): ...\n"
        },
        {
            ("GET", "/"),
            ("GET", "/u/{id}"),
            ("POST", "/u/{id}"),
            ("PUT", "/t/{p}"),
            ("DELETE", "/t/{p}"),
            ("GET", "/g"),
            ("POST", "/g"),
        },
        "flask-route-methods-list-tuple-shorthands",
    ),
    (
        {
            "app.py": FL + "from views import bp, other\napp = Flask(__name__)\n"
            "app.register_blueprint(bp)\napp.register_blueprint(other, url_prefix='/new')\n",
            "views.py": "import flask\nbp = flask.Blueprint('a', __name__, url_prefix='/a')\n"
            "other = flask.Blueprint('b', __name__, url_prefix='/old')\n"
            "@bp.get('/x')\ndef x(): ...\n@other.route('/y', methods=['PATCH'])\ndef y(): ...\n",
        },
        {("GET", "/a/x"), ("PATCH", "/new/y")},
        "flask-blueprint-prefix-and-override",
    ),
    (
        {
            "app.py": FL + "from api import api\napp = Flask(__name__)\n"
            "app.register_blueprint(api, url_prefix='/api')\n",
            "api.py": FL + "api = Blueprint('api', __name__)\n"
            "child = Blueprint('c', __name__, url_prefix='/child')\n"
            "grand = Blueprint('g', __name__)\n"
            "child.register_blueprint(grand, url_prefix='/g')\napi.register_blueprint(child)\n"
            "@grand.delete('/<uuid:id>')\ndef d(id): ...\n",
        },
        {("DELETE", "/api/child/g/{id}")},
        "flask-nested-blueprints",
    ),
    (
        {
            "app.py": FL + "from flask.views import MethodView, View\n"
            "app = Flask(__name__)\ndef index(): ...\n"
            "app.add_url_rule('/', 'index', index)\n"
            "app.add_url_rule('/m', view_func=index, methods=['POST'])\n"
            "class Items(MethodView):\n    def get(self): ...\n    def put(self): ...\n"
            "class Report(View):\n    methods = ['GET', 'POST']\n"
            "    def dispatch_request(self): ...\n"
            "app.add_url_rule('/items/<int:id>', view_func=Items.as_view('items'))\n"
            "app.add_url_rule('/report', view_func=Report.as_view('report'))\n",
        },
        {
            ("GET", "/"),
            ("POST", "/m"),
            ("GET", "/items/{id}"),
            ("PUT", "/items/{id}"),
            ("GET", "/report"),
            ("POST", "/report"),
        },
        "flask-add-url-rule-and-class-views",
    ),
    (
        {
            "wsgi.py": "from pkg import create_app\napp = create_app()\n",
            "pkg/__init__.py": FL + "def create_app():\n    app = Flask(__name__)\n"
            "    from . import auth\n    app.register_blueprint(auth.bp)\n"
            "    @app.route('/hello')\n    def hello(): ...\n    return app\n",
            "pkg/auth.py": FL + "bp = Blueprint('auth', __name__, url_prefix='/auth')\n"
            "@bp.route('/login', methods=('GET', 'POST'))\ndef login(): ...\n",
        },
        {("GET", "/hello"), ("GET", "/auth/login"), ("POST", "/auth/login")},
        "flask-factory-with-local-import",
    ),
    # --- traps: calls that look like routes ---------------------------------------------
    (
        {
            "test_api.py": FA + "import requests, httpx\nfrom main import app\n"
            "from fastapi.testclient import TestClient\nclient = TestClient(app)\n"
            "def test_x():\n    client.get('/x')\n    client.post('/y', json={})\n"
            "    requests.get('/z')\n    httpx.get('/w')\n    httpx.Client().delete('/v')\n",
            "main.py": FA + "app = FastAPI()\n",
            "worker.py": "import functools\nfrom cache import cache\n"
            "@cache.get('/not-a-route')\ndef cached(): ...\n",
            "own.py": "from mylib.web import Blueprint\nbp = Blueprint('x')\n"
            "@bp.get('/not-flask')\ndef n(): ...\n",
        },
        set(),
        "traps-clients-and-look-alikes",
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_route_forms(files: dict[str, str], expected: set[tuple[str, str]]) -> None:
    routes, _ = link(files)
    assert pairs(routes) == expected
    assert not [r for r in routes if r.unresolved or r.notes]


ENV_APP = {
    "app/main.py": FA + "from app.config import settings\nimport os\napp = FastAPI()\n"
    "from app import users\n"
    "app.include_router(users.router, prefix=PREFIX)\n",
    "app/users.py": FA + "router = APIRouter()\n@router.get('/users/<id>')\ndef u(): ...\n",
    "app/config.py": "from pydantic_settings import BaseSettings\n"
    "class Settings(BaseSettings):\n    api_prefix: str = '/api'\n"
    "    class Config:\n        env_prefix = 'APP_'\nsettings = Settings()\n",
}


@pytest.mark.parametrize(
    ("prefix", "env_files", "path", "unresolved", "source"),
    [
        (
            "os.getenv('API_PREFIX', '/v1')",
            {},
            "/v1/users/{id}",
            False,
            "env API_PREFIX default in app/main.py",
        ),
        (
            "os.environ.get('API_PREFIX') or '/v1'",
            {".env.example": "API_PREFIX=/doc"},
            "/doc/users/{id}",
            False,
            "env API_PREFIX from .env.example",
        ),
        (
            "os.environ['API_PREFIX']",
            {"deploy/.env.sample": "API_PREFIX='/s'"},
            "/s/users/{id}",
            False,
            "env API_PREFIX from deploy/.env.sample",
        ),
        (
            "os.environ['API_PREFIX']",
            {},
            "/$API_PREFIX/users/{id}",
            True,
            "env API_PREFIX has no documented default",
        ),
        (
            "settings.api_prefix",
            {},
            "/api/users/{id}",
            False,
            "env APP_API_PREFIX default in app/config.py",
        ),
        (
            "settings.api_prefix",
            {".env.example": "app_api_prefix=/documented"},
            "/documented/users/{id}",
            False,
            "env app_api_prefix from .env.example",
        ),
        ("get_prefix()", {}, "/$get_prefix()/users/{id}", True, "get_prefix() is not a constant"),
    ],
    ids=[
        "getenv-default",
        "env-example",
        "env-sample",
        "unresolved",
        "settings-default",
        "settings-overridden-by-env-example",
        "dynamic-call",
    ],
)
def test_env_prefixes(
    prefix: str, env_files: dict[str, str], path: str, unresolved: bool, source: str
) -> None:
    files = {**ENV_APP, "app/main.py": ENV_APP["app/main.py"].replace("PREFIX)", prefix + ")")}
    routes, _ = link(files, env_files)
    assert [(r.method, r.path, r.unresolved, r.source) for r in routes] == [
        ("GET", path, unresolved, source)
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "r.py": FA
                + "router = APIRouter(prefix='/lonely')\n@router.get('/x')\ndef x(): ...\n"
            },
            ("GET", "/lonely/x", False, ("router not included anywhere",)),
        ),
        (
            {
                "r.py": "from fastapi import FastAPI\nfrom elsewhere import app\n"
                "@app.get('/x')\ndef x(): ...\n"
            },
            ("GET", "/x", True, ()),
        ),
        (
            {
                "r.py": FL + "app = Flask(__name__)\n@app.route('/x', methods=ALLOWED)\n"
                "def x(): ...\n"
            },
            ("GET", "/x", False, ("methods ALLOWED not readable; GET assumed",)),
        ),
    ],
    ids=["router-never-included", "receiver-outside-repository", "methods-not-literal"],
)
def test_flagged_routes(
    files: dict[str, str], expected: tuple[str, str, bool, tuple[str, ...]]
) -> None:
    routes, _ = link(files)
    assert [(r.method, r.path, r.unresolved, r.notes) for r in routes] == [expected]


def test_syntax_error_still_yields_routes_and_warns() -> None:
    files = {
        "main.py": FA + "app = FastAPI()\n@app.get('/ok')\ndef ok(): ...\n"
        "def broken(:\n    pass\n@app.post('/after')\ndef after(): ...\n"
    }
    routes, warnings = link(files)
    assert pairs(routes) == {("GET", "/ok"), ("POST", "/after")}
    assert [(w.path, w.line) for w in warnings] == [("main.py", 5)]
    assert "syntax error" in warnings[0].message


def _fixture_files(name: str) -> tuple[dict[str, str], dict[str, str]]:
    root = FIXTURES / name
    code = {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*.py")}
    env = {p.name: p.read_text() for p in root.glob(".env*")}
    return code, env


FASTAPI_APP = {
    ("GET", "/health"),
    ("POST", "/api/v1/login/access-token"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{user_id}"),
    ("PATCH", "/api/v1/users/{user_id}"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/{id}"),
    ("HEAD", "/api/v1/items/{id}"),
    ("POST", "/api/v1/items/{id}/archive"),
    ("DELETE", "/backoffice/cache"),  # settings default "/admin", .env.example overrides
    ("GET", "/$INTERNAL_PREFIX/metrics"),
    ("GET", "/v0/old"),
}

FLASK_APP = {
    ("GET", "/"),
    ("GET", "/about"),
    ("GET", "/auth/register"),
    ("POST", "/auth/register"),
    ("GET", "/auth/login"),
    ("POST", "/auth/login"),
    ("GET", "/auth/logout"),
    ("GET", "/store/products/{product_id}"),
    ("GET", "/store/products/{slug}"),
    ("GET", "/store/api/products"),
    ("POST", "/store/api/products"),
    ("GET", "/api/v2/orders"),
    ("POST", "/api/v2/orders"),
    ("DELETE", "/api/v2/orders/{order_id}"),
}


@pytest.mark.parametrize(
    ("name", "expected"), [("fastapi-app", FASTAPI_APP), ("flask-app", FLASK_APP)]
)
def test_fixture_apps(name: str, expected: set[tuple[str, str]]) -> None:
    code, env = _fixture_files(name)
    routes, warnings = link(code, env)
    assert pairs(routes) == expected
    assert len(routes) == len(expected)  # each route once
    assert warnings == []


def test_fastapi_fixture_flags_and_sources() -> None:
    code, env = _fixture_files("fastapi-app")
    routes, _ = link(code, env)
    by_path = {(r.method, r.path): r for r in routes}
    assert by_path[("GET", "/$INTERNAL_PREFIX/metrics")].unresolved
    assert by_path[("DELETE", "/backoffice/cache")].source == "env ADMIN_PREFIX from .env.example"
    assert (
        by_path[("GET", "/api/v1/users")].source == "env API_V1_STR default in app/core/config.py"
    )
    assert by_path[("GET", "/v0/old")].notes == ("router not included anywhere",)
    assert by_path[("GET", "/api/v1/users/me")].handler == "read_me"
    assert by_path[("POST", "/api/v1/items/{id}/archive")].location.line == 17
    assert [r.path for r in routes if r.unresolved] == ["/$INTERNAL_PREFIX/metrics"]


def test_flask_fixture_without_env_file_uses_code_default() -> None:
    code, _ = _fixture_files("flask-app")
    routes, _ = link(code, {})
    catalog = {(r.method, r.path, r.source) for r in routes if r.location.path == "shop/catalog.py"}
    src = "env SHOP_PREFIX default in shop/__init__.py"
    assert catalog == {
        ("GET", "/shop/products/{product_id}", src),
        ("GET", "/shop/products/{slug}", src),
        ("GET", "/shop/api/products", src),
        ("POST", "/shop/api/products", src),
    }
    assert all(r.framework == "flask" for r in routes)
