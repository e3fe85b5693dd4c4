"""Express, Fastify and NestJS routes: per-file facts linked across files into served paths."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from specweave_git.code import js_analyzer
from specweave_git.code.languages import language_for
from specweave_git.code.values import env_defaults_from_files
from specweave_git.model import Route

FIXTURES = Path(__file__).parent / "fixtures"


def link(files: dict[str, str]) -> list[Route]:
    """Analyze each file on its own, then link them (what the surface builder does)."""
    facts = {}
    env_files = {}
    for path, src in files.items():
        if Path(path).name.startswith(".env"):
            env_files[path] = src
            continue
        lang = language_for(path)
        assert lang is not None, path
        facts[path] = js_analyzer.analyze(path, dedent(src).encode(), lang)
    _symbols, routes, _warnings = js_analyzer.link(facts, env_defaults_from_files(env_files))
    return routes


def pairs(routes: list[Route]) -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in routes}


def load_fixture(name: str) -> dict[str, str]:
    root = FIXTURES / name
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and (language_for(rel) in ("ts", "tsx", "js") or p.name.startswith(".env")):
            out[rel] = p.read_text()
    return out


EXPRESS = "const express = require('express')\n"
ROUTER = "const { Router } = require('express')\nconst router = Router()\n"

EXPRESS_CASES = [
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const app = express()
            app.get('/users', list)
            app.post('/users', (req, res) => res.end())
            app.put('/users/:id', update)
            app.patch('/users/:id', update)
            app.delete('/users/:id', remove)
            app.head('/ping', ping)
            app.options('/ping', ping)
            app.all('/any', anything)
            app.route('/book').get(getBook).post(addBook)
            app.get('/a', h).get('/b', h)
            """
        },
        {
            ("GET", "/users"),
            ("POST", "/users"),
            ("PUT", "/users/{id}"),
            ("PATCH", "/users/{id}"),
            ("DELETE", "/users/{id}"),
            ("HEAD", "/ping"),
            ("OPTIONS", "/ping"),
            ("ALL", "/any"),
            ("GET", "/book"),
            ("POST", "/book"),
            ("GET", "/a"),
            ("GET", "/b"),
        },
        id="app-methods-all-route-chain",
    ),
    pytest.param(
        {
            "app.ts": """
            import express from 'express'
            import axios from 'axios'
            import request from 'supertest'
            import got from 'got'
            const app = express()
            app.set('views', './views')
            if (app.get('env') === 'production') app.enable('trust proxy')
            app.param('id', (req, res, next, id) => next())
            app.use(express.json())
            axios.get('/x')
            got.post('/y', { json: {} })
            fetch('/z')
            request(app).get('/w').expect(200)
            http.get('/v', (res) => res.resume())
            app.get('/real', handler)
            """
        },
        {("GET", "/real")},
        id="look-alikes-are-not-routes",
    ),
    pytest.param(
        {
            "src/app.ts": """
            import express from 'express'
            import users from './routes/users'
            const app = express()
            app.use('/users', users)
            """,
            "src/routes/users.ts": """
            import { Router } from 'express'
            const router = Router()
            router.get('/', list)
            router.get('/:id', show)
            export default router
            """,
        },
        {("GET", "/users"), ("GET", "/users/{id}")},
        id="esm-import-mount",
    ),
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const app = express()
            app.use('/api', require('./routes'))
            app.use('/admin', require('./admin').router)
            """,
            "routes/index.js": ROUTER
            + """
            router.use('/v1', require('./v1'))
            module.exports = router
            """,
            "routes/v1/index.js": ROUTER
            + """
            const users = require('./users')
            router.use('/users', users)
            module.exports = router
            """,
            "routes/v1/users.js": """
            const express = require('express')
            const r = express.Router()
            r.get('/:id', show)
            module.exports = r
            """,
            "admin.js": ROUTER + "router.delete('/cache', clear)\nmodule.exports = { router }\n",
        },
        {("GET", "/api/v1/users/{id}"), ("DELETE", "/admin/cache")},
        id="inline-require-nested-three-levels",
    ),
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const app = express()
            const api = express.Router()
            api.use(require('./misc'))
            api.use([require('./a'), require('./b')])
            app.use('/api', api)
            """,
            "misc.js": ROUTER + "router.get('/version', v)\nmodule.exports = router\n",
            "a.js": ROUTER + "router.get('/a', v)\nmodule.exports = router\n",
            "b.js": ROUTER + "router.get('/b', v)\nmodule.exports = router\n",
        },
        {("GET", "/api/version"), ("GET", "/api/a"), ("GET", "/api/b")},
        id="use-without-path-and-array-of-routers",
    ),
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const comments = require('./comments')
            const app = express()
            app.use('/comments', comments)
            app.use('/posts/:postId/comments', comments)
            app.use(['/x', '/y'], comments)
            """,
            "comments.js": ROUTER + "router.get('/', list)\nmodule.exports = router\n",
        },
        {
            ("GET", "/comments"),
            ("GET", "/posts/{postId}/comments"),
            ("GET", "/x"),
            ("GET", "/y"),
        },
        id="router-mounted-several-times",
    ),
    pytest.param(
        {
            "app.ts": """
            import express from 'express'
            import { createUsersRouter } from './users'
            import registerRoutes from './routes'
            const app = express()
            app.use('/users', createUsersRouter())
            registerRoutes(app)
            require('./legacy')(app, db)
            """,
            "users.ts": """
            import { Router } from 'express'
            export function createUsersRouter(): Router {
              const router = Router()
              router.get('/', list)
              return router
            }
            """,
            "routes.js": """
            module.exports = (app) => {
              app.get('/health', (req, res) => res.end())
            }
            """,
            "legacy.js": """
            module.exports = function (server, db) {
              server.post('/old', handler)
            }
            """,
        },
        {("GET", "/users"), ("GET", "/health"), ("POST", "/old")},
        id="router-factory-and-routes-app-helpers",
    ),
    pytest.param(
        {
            "app.ts": """
            import express from 'express'
            import { API, VERSION } from './constants'
            import settings from './settings'
            import users from './users'
            const LOCAL = '/local'
            const app = express()
            app.use(API, users)
            app.use(`${API}/${VERSION}`, users)
            app.use('/api' + '/' + VERSION, users)
            app.use(LOCAL, users)
            app.use(settings.basePath, users)
            """,
            "constants.ts": "export const API = '/api'\nexport const VERSION = 'v2'\n",
            "settings.js": "module.exports = { basePath: '/base' }\n",
            "users.ts": """
            import { Router } from 'express'
            const router = Router()
            router.get('/users', list)
            export default router
            """,
        },
        {
            ("GET", "/api/users"),
            ("GET", "/api/v2/users"),
            ("GET", "/local/users"),
            ("GET", "/base/users"),
        },
        id="prefix-constants-across-files",
    ),
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const { authenticate } = require('./auth')
            const helmet = require('helmet')
            const admin = require('./admin')
            const app = express()
            app.use('/admin', authenticate, admin)
            app.use(authenticate, admin)
            app.use(helmet(), admin)
            """,
            "auth.js": "exports.authenticate = (req, res, next) => next()\n",
            "admin.js": ROUTER + "router.get('/stats', stats)\nmodule.exports = router\n",
        },
        {("GET", "/admin/stats"), ("GET", "/stats")},
        id="middleware-before-router-is-not-a-prefix",
    ),
    pytest.param(
        {
            "server.ts": """
            import express, { Application } from 'express'
            import { usersRouter } from './routes'
            import * as routes from './routes'
            class Server {
              private app: Application
              constructor() {
                this.app = express()
                this.app.use('/users', usersRouter)
                this.app.use('/teams', routes.teamsRouter)
                this.app.get('/', (req, res) => res.send('ok'))
              }
            }
            """,
            "routes/index.ts": """
            export { usersRouter } from './users'
            export { default as teamsRouter } from './teams'
            """,
            "routes/users.ts": """
            import { Router } from 'express'
            export const usersRouter = Router()
            usersRouter.get('/:id', show)
            """,
            "routes/teams.ts": """
            import express = require('express')
            const router = express.Router()
            router.post('/', create)
            export default router
            """,
        },
        {("GET", "/"), ("GET", "/users/{id}"), ("POST", "/teams")},
        id="class-this-app-barrel-reexports-namespace",
    ),
    pytest.param(
        {
            "app.js": EXPRESS
            + """
            const app = express()
            app.use('/api/', require('./r'))
            """,
            "r.js": ROUTER
            + """
            router.get('/list/', list)
            router.get('/', root)
            router.get('/:id(\\\\d+)', show)
            router.get('/opt/:name?', opt)
            router.get(['/p', '/q'], both)
            module.exports = router
            """,
        },
        {
            ("GET", "/api/list"),
            ("GET", "/api"),
            ("GET", "/api/{id}"),
            ("GET", "/api/opt/{name}"),
            ("GET", "/api/p"),
            ("GET", "/api/q"),
        },
        id="slashes-and-params-normalised",
    ),
    pytest.param(
        {
            "app.js": EXPRESS + "const app = express()\napp.use('/a', require('./a'))\n",
            "a.js": ROUTER
            + "router.use('/b', require('./b'))\nrouter.get('/x', x)\nmodule.exports = router\n",
            "b.js": ROUTER
            + "router.use('/again', require('./a'))\n"
            + "router.get('/y', y)\nmodule.exports = router\n",
        },
        {("GET", "/a/x"), ("GET", "/a/b/y")},
        id="mount-cycle-terminates",
    ),
    pytest.param(
        {
            "koa.js": """
            const Router = require('@koa/router')
            const router = new Router({ prefix: '/api' })
            router.get('/x', async (ctx) => { ctx.body = 1 })
            module.exports = router
            """,
            "hono.ts": """
            import { Hono } from 'hono'
            const app = new Hono()
            app.get('/y', (c) => c.text('y'))
            """,
        },
        set(),
        id="other-frameworks-are-not-express",
    ),
]


@pytest.mark.parametrize(("files", "expected"), EXPRESS_CASES)
def test_express_forms(files: dict[str, str], expected: set[tuple[str, str]]) -> None:
    routes = link(files)
    assert pairs(routes) == expected
    assert {r.framework for r in routes} <= {"express"}


FASTIFY = "import Fastify from 'fastify'\nconst app = Fastify({ logger: true })\n"

FASTIFY_CASES = [
    pytest.param(
        {
            "server.ts": FASTIFY
            + """
            app.get('/ping', async () => 'pong')
            app.get('/items/:id', { schema: {} }, show)
            app.post('/items', { handler: create })
            app.all('/any', anything)
            app.route({ method: 'PUT', url: '/items/:id', handler: update })
            app.route({ method: ['GET', 'HEAD'], path: '/status', handler: status })
            app.route({ method: 'DELETE', url: '/old', handler: async () => null })
            app.inject({ method: 'GET', url: '/ping' })
            app.inject().get('/ping').end()
            """
        },
        {
            ("GET", "/ping"),
            ("GET", "/items/{id}"),
            ("POST", "/items"),
            ("ALL", "/any"),
            ("PUT", "/items/{id}"),
            ("GET", "/status"),
            ("HEAD", "/status"),
            ("DELETE", "/old"),
        },
        id="shorthands-and-route-objects",
    ),
    pytest.param(
        {
            "server.ts": FASTIFY
            + """
            import users from './plugins/users'
            app.register(users, { prefix: '/users' })
            app.register(import('./plugins/admin'), { prefix: '/admin' })
            app.register(require('./plugins/cjs'), { prefix: '/cjs' })
            """,
            "plugins/users.ts": """
            import { FastifyPluginAsync } from 'fastify'
            const users: FastifyPluginAsync = async (fastify) => {
              fastify.get('/', list)
              fastify.register(async function nested(child) {
                child.post('/bulk', bulk)
              }, { prefix: '/batch' })
            }
            export default users
            """,
            "plugins/admin.ts": """
            export default async function (instance, opts) {
              instance.delete('/cache', async () => null)
            }
            """,
            "plugins/cjs.js": """
            module.exports = async function (fastify, opts) {
              fastify.get('/x', async () => 1)
            }
            """,
        },
        {
            ("GET", "/users"),
            ("POST", "/users/batch/bulk"),
            ("DELETE", "/admin/cache"),
            ("GET", "/cjs/x"),
        },
        id="register-with-prefix-across-files",
    ),
    pytest.param(
        {
            "server.js": """
            const fastify = require('fastify')()
            const fp = require('fastify-plugin')
            const opts = { prefix: '/v1' }
            fastify.register(require('./health'), { prefix: '/ignored' })
            fastify.register(fp(async (f) => { f.get('/fp-inline', h) }), { prefix: '/ignored' })
            fastify.register(async (child) => { child.get('/inline', async () => 1) }, opts)
            fastify.register(require('./plain'), { logLevel: 'warn' })
            """,
            "health.js": """
            const fp = require('fastify-plugin')
            async function health(app) { app.get('/health', async () => 'ok') }
            module.exports = fp(health, { name: 'health' })
            """,
            "plain.js": "module.exports = async (app) => { app.get('/plain', async () => 1) }\n",
        },
        {
            ("GET", "/health"),
            ("GET", "/fp-inline"),
            ("GET", "/v1/inline"),
            ("GET", "/plain"),
        },
        id="fastify-plugin-ignores-prefix-and-options-variable",
    ),
    pytest.param(
        {
            "src/app.ts": FASTIFY
            + """
            import autoload from '@fastify/autoload'
            import path from 'node:path'
            app.register(autoload, { dir: path.join(__dirname, 'routes') })
            app.register(autoload, {
              dir: path.join(__dirname, 'v2'),
              options: { prefix: '/v2' },
              dirNameRoutePrefix: false,
            })
            app.register(autoload, { dir: `${__dirname}/params`, routeParams: true })
            """,
            "src/routes/root.ts": "export default async (f) => { f.get('/', async () => 1) }\n",
            "src/routes/api/users/index.ts": """
            export default async function (fastify) {
              fastify.get('/', async () => [])
              fastify.get('/:id', async () => ({}))
            }
            """,
            "src/routes/api/users/helpers.ts": """
            export default async function (fastify) { fastify.get('/hidden', async () => 1) }
            """,
            "src/routes/api/orders/list.js": """
            module.exports = async function (fastify) { fastify.get('/', async () => []) }
            """,
            "src/routes/api/orders/export.js": """
            module.exports = async function (fastify) { fastify.get('/export', async () => []) }
            module.exports.autoPrefix = '/reports'
            """,
            "src/routes/api/orders/autohooks.js": """
            module.exports = async (fastify) => { fastify.addHook('onRequest', async () => {}) }
            """,
            "src/v2/things/index.js": """
            module.exports = async function (fastify) { fastify.get('/things', async () => []) }
            """,
            "src/params/users/_id/index.js": """
            module.exports = async function (fastify) { fastify.get('/', async () => []) }
            """,
        },
        {
            ("GET", "/"),
            ("GET", "/api/users"),
            ("GET", "/api/users/{id}"),
            ("GET", "/api/orders"),
            ("GET", "/reports/export"),
            ("GET", "/v2/things"),
            ("GET", "/users/{id}"),
            # helpers.ts is not autoloaded (its directory has an index file): it is still
            # reported, at its own path, with a note (see test_unmounted_routes_are_kept).
            ("GET", "/hidden"),
        },
        id="autoload-directory-prefixes",
    ),
    pytest.param(
        {
            "server.ts": FASTIFY
            + """
            import axios from 'axios'
            import { sync } from './sync'
            app.get('/real', async () => axios.get('/upstream'))
            sync(axios.create())
            """,
            "sync.ts": """
            import { AxiosInstance } from 'axios'
            export async function sync(client: AxiosInstance) {
              await client.post('/items', [])
              await client.get('/items', { timeout: 5 })
            }
            """,
        },
        {("GET", "/real")},
        id="http-clients-are-not-routes",
    ),
]


@pytest.mark.parametrize(("files", "expected"), FASTIFY_CASES)
def test_fastify_forms(files: dict[str, str], expected: set[tuple[str, str]]) -> None:
    routes = link(files)
    assert pairs(routes) == expected
    assert {r.framework for r in routes} <= {"fastify"}


NEST_MAIN = """
import { NestFactory } from '@nestjs/core'
import { VersioningType } from '@nestjs/common'
async function bootstrap() {
  const app = await NestFactory.create(AppModule)
  %s
  await app.listen(3000)
}
"""
CATS = """
import { Controller, Get, Post, Put, Delete, Patch, All } from '@nestjs/common'
import { Param, Version } from '@nestjs/common'
@Controller('cats')
export class CatsController {
  constructor(private readonly http: HttpService) {}
  @Get() findAll() { return this.http.get('/remote') }
  @Get(':id') findOne(@Param('id') id: string) {}
  @Post() create() {}
  @Put(':id') update() {}
  @Patch(':id') patch() {}
  @Delete(':id') @Version('2') remove() {}
  @All('wild/*') any() {}
  helper() {}
}
"""

NEST_CASES = [
    pytest.param(
        {"cats.controller.ts": CATS},
        {
            ("GET", "/cats"),
            ("GET", "/cats/{id}"),
            ("POST", "/cats"),
            ("PUT", "/cats/{id}"),
            ("PATCH", "/cats/{id}"),
            ("DELETE", "/cats/{id}"),
            ("ALL", "/cats/wild/*"),
        },
        id="controller-and-method-decorators",
    ),
    pytest.param(
        {
            "main.ts": NEST_MAIN % "app.setGlobalPrefix('api/', { exclude: ['cats/:id'] })",
            "cats.controller.ts": CATS,
        },
        {
            ("GET", "/api/cats"),
            ("GET", "/cats/{id}"),
            ("POST", "/api/cats"),
            ("PUT", "/cats/{id}"),
            ("PATCH", "/cats/{id}"),
            ("DELETE", "/cats/{id}"),
            ("ALL", "/api/cats/wild/*"),
        },
        id="global-prefix-with-exclude",
    ),
    pytest.param(
        {
            "main.ts": NEST_MAIN
            % "app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' })",
            "cats.controller.ts": CATS,
            "users.controller.ts": """
            import { Controller, Get, VERSION_NEUTRAL } from '@nestjs/common'
            @Controller({ path: 'users', version: ['1', '2'] })
            export class UsersController { @Get() list() {} }
            @Controller({ path: 'health', version: VERSION_NEUTRAL })
            export class HealthController { @Get() check() {} }
            """,
        },
        {
            ("GET", "/v1/cats"),
            ("GET", "/v1/cats/{id}"),
            ("POST", "/v1/cats"),
            ("PUT", "/v1/cats/{id}"),
            ("PATCH", "/v1/cats/{id}"),
            ("DELETE", "/v2/cats/{id}"),
            ("ALL", "/v1/cats/wild/*"),
            ("GET", "/v1/users"),
            ("GET", "/v2/users"),
            ("GET", "/health"),
        },
        id="uri-versioning",
    ),
    pytest.param(
        {
            "main.ts": NEST_MAIN
            % "app.enableVersioning({ type: VersioningType.HEADER, header: 'X-V' })",
            "users.controller.ts": """
            import { Controller, Get } from '@nestjs/common'
            @Controller({ path: 'users', version: '1' })
            export class UsersController { @Get() list() {} }
            """,
        },
        {("GET", "/users")},
        id="header-versioning-leaves-paths",
    ),
    pytest.param(
        {
            "main.ts": NEST_MAIN
            % "app.setGlobalPrefix(PREFIX)\n  app.enableVersioning({ prefix: false })",
            "paths.ts": "export const USERS = 'users'\n",
            "users.controller.ts": """
            import * as common from '@nestjs/common'
            import { USERS } from './paths'
            @common.Controller(USERS)
            export class UsersController {
              @common.Get(['me', 'profile']) me() {}
              @common.Version('3') @common.Get(':id') one() {}
            }
            """,
        },
        {
            ("GET", "/$PREFIX/users/me"),
            ("GET", "/$PREFIX/users/profile"),
            ("GET", "/$PREFIX/3/users/{id}"),
        },
        id="namespace-decorators-const-prefix-unresolved-global",
    ),
    pytest.param(
        {
            "app.module.ts": """
            import { Module, MiddlewareConsumer, RequestMethod, Get } from '@nestjs/common'
            import { Controller } from 'routing-controllers-lookalike'
            export class AppModule {
              configure(consumer: MiddlewareConsumer) {
                consumer.apply(Logger).forRoutes('cats')
                consumer.apply(Logger).forRoutes({ path: 'users', method: RequestMethod.GET })
              }
            }
            @Controller('other')
            export class Other { @Get() x() {} }
            function Post(p: string): MethodDecorator { return () => undefined }
            """,
            "local.controller.ts": """
            import { Controller } from '@nestjs/common'
            function Post(p: string): MethodDecorator { return () => undefined }
            @Controller('local')
            export class Local { @Post('x') x() {} }
            """,
        },
        set(),
        id="non-nest-decorators-and-middleware-are-not-routes",
    ),
]


@pytest.mark.parametrize(("files", "expected"), NEST_CASES)
def test_nest_forms(files: dict[str, str], expected: set[tuple[str, str]]) -> None:
    routes = link(files)
    assert pairs(routes) == expected
    assert {r.framework for r in routes} <= {"nestjs"}


ENV_PREFIX_APP = {
    "app.js": EXPRESS
    + """
    const app = express()
    app.use(%s, require('./users'))
    """,
    "users.js": ROUTER + "router.get('/users', list)\nmodule.exports = router\n",
}


@pytest.mark.parametrize(
    ("prefix", "env_files", "expected"),
    [
        pytest.param(
            "process.env.API_PREFIX || '/api'",
            {".env.example": "API_PREFIX=/v9\n"},
            ("/v9/users", False, "env API_PREFIX from .env.example"),
            id="documented-in-env-example",
        ),
        pytest.param(
            "process.env.API_PREFIX",
            {"config/.env.sample": "# the prefix\nAPI_PREFIX='/sample'\n"},
            ("/sample/users", False, "env API_PREFIX from config/.env.sample"),
            id="documented-in-env-sample",
        ),
        pytest.param(
            "process.env.API_PREFIX ?? '/api'",
            {},
            ("/api/users", False, "env API_PREFIX default in app.js"),
            id="default-in-code",
        ),
        pytest.param(
            "require('./settings').prefix",
            {},
            ("/cfg/users", False, "env API_PREFIX default in settings.js"),
            id="settings-default-in-another-file",
        ),
        pytest.param(
            "process.env.API_PREFIX",
            {},
            ("/$API_PREFIX/users", True, "env API_PREFIX has no documented default"),
            id="no-default-unresolved",
        ),
        pytest.param(
            "getPrefix()",
            {},
            ("/$getPrefix()/users", True, "dynamic expression 'getPrefix()'"),
            id="dynamic-call-unresolved",
        ),
    ],
)
def test_env_prefix(
    prefix: str, env_files: dict[str, str], expected: tuple[str, bool, str]
) -> None:
    files = {
        **ENV_PREFIX_APP,
        "app.js": ENV_PREFIX_APP["app.js"] % prefix,
        "settings.js": "module.exports = { prefix: process.env.API_PREFIX || '/cfg' }\n",
        **env_files,
    }
    routes = link(files)
    assert [(r.path, r.unresolved, r.source) for r in routes] == [expected]


def test_unmounted_routes_are_kept_with_a_note() -> None:
    routes = link(
        {
            "legacy.js": ROUTER + "router.get('/old', oldHandler)\n",
            "plugin.js": "module.exports = async (f) => { f.get('/p', async () => 1) }\n",
            "client.js": "module.exports = (api) => api.get('/not-a-route', params)\n",
            "cache.js": "module.exports = (cache) => cache.get('user:1', async () => load())\n",
            "typed.ts": """
            import { Router } from 'express'
            export function addRoutes(r: Router) { r.get('/typed', handler) }
            """,
        }
    )
    assert {(r.method, r.path, r.notes) for r in routes} == {
        ("GET", "/old", ("router not mounted anywhere",)),
        ("GET", "/typed", ("plugin not registered or mounted anywhere",)),
        ("GET", "/p", ("plugin not registered or mounted anywhere",)),
    }


def test_missing_module_is_a_warning() -> None:
    facts = {
        "app.js": js_analyzer.analyze(
            "app.js",
            b"const express = require('express')\nconst app = express()\n"
            b"app.use('/x', require('./gone'))\napp.get('/y', h)\n",
            "js",
        )
    }
    _symbols, routes, warnings = js_analyzer.link(facts, {})
    assert pairs(routes) == {("GET", "/y")}
    assert [w.render() for w in warnings] == ["app.js:3: routes: cannot resolve module './gone'"]


def test_facts_are_per_file_and_json() -> None:
    """Facts depend on the file alone (cacheable by blob id) and survive a JSON round trip."""
    src = b"const express = require('express')\nconst r = express.Router()\nr.get('/x', h)\n"
    a = js_analyzer.analyze("a/r.js", src, "js")
    b = js_analyzer.analyze("b/r.js", src, "js")
    assert a["routes"] == b["routes"]
    assert json.loads(json.dumps(a["routes"])) == a["routes"]
    assert a["routes"]["routes"][0]["line"] == 3


def test_route_details() -> None:
    routes = link(
        {
            "app.ts": """
            import express from 'express'
            import * as ctrl from './ctrl'
            const app = express()
            app.get('/a', auth, ctrl.list)
            app.post('/b', asyncHandler(createThing))
            app
              .route('/c')
              .get(getC)
            """
        }
    )
    by_path = {r.path: r for r in routes}
    assert (by_path["/a"].handler, by_path["/a"].location.line) == ("ctrl.list", 5)
    assert by_path["/b"].handler == "createThing"
    assert (by_path["/c"].handler, by_path["/c"].location.line) == ("getC", 9)
    assert by_path["/a"].location.path == "app.ts"


EXPRESS_APP = {
    ("GET", "/"),
    ("GET", "/healthz"),
    ("HEAD", "/healthz"),
    ("DELETE", "/admin/cache"),
    ("POST", "/admin/reindex"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
    ("PUT", "/api/v1/users/{id}"),
    ("DELETE", "/api/v1/users/{id}"),
    ("GET", "/api/v1/users/{id}/avatar"),
    ("GET", "/api/v1/posts"),
    ("PATCH", "/api/v1/posts/{postId}"),
    ("GET", "/api/v1/v2/comments"),
    ("POST", "/api/v1/v2/comments"),
    ("GET", "/api/v1/v2/posts/{postId}/comments"),
    ("POST", "/api/v1/v2/posts/{postId}/comments"),
    ("GET", "/api/v1/version"),
    ("GET", "/old-users"),
}
FASTIFY_APP = {
    ("GET", "/"),
    ("GET", "/ready"),
    ("HEAD", "/ready"),
    ("GET", "/health"),
    ("GET", "/api/v1"),
    ("GET", "/api/v1/products"),
    ("GET", "/api/v1/products/{id}"),
    ("POST", "/api/v1/products"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{orderId}"),
    ("POST", "/api/v1/orders/{orderId}/returns"),
    ("GET", "/api/v1/_metrics"),
    ("POST", "/$ADMIN_PREFIX/reindex"),
    ("GET", "/$ADMIN_PREFIX/users"),
    ("DELETE", "/$ADMIN_PREFIX/users/{id}"),
}
NEST_APP = {
    ("GET", "/api/v1/cats"),
    ("GET", "/api/v1/cats/{id}"),
    ("POST", "/api/v1/cats"),
    ("PUT", "/api/v1/cats/{id}"),
    ("DELETE", "/api/v2/cats/{id}"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v2/users"),
    ("GET", "/api/v1/users/{userId}/orders"),
    ("GET", "/api/v2/users/{userId}/orders"),
    ("PATCH", "/api/v2/users/{userId}"),
    ("GET", "/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/profile"),
}


@pytest.mark.parametrize(
    ("fixture", "expected", "framework"),
    [
        ("express-app", EXPRESS_APP, "express"),
        ("fastify-app", FASTIFY_APP, "fastify"),
        ("nest-app", NEST_APP, "nestjs"),
    ],
)
def test_fixture_apps(fixture: str, expected: set[tuple[str, str]], framework: str) -> None:
    routes = link(load_fixture(fixture))
    assert pairs(routes) == expected
    assert len(routes) == len(expected)  # no route twice
    assert {r.framework for r in routes} == {framework}
    # Only prefixes read from undocumented env vars are unresolved.
    assert {r.path for r in routes if r.unresolved} == {p for _m, p in expected if "$" in p}


@pytest.mark.parametrize(
    ("fixture", "path", "source", "notes"),
    [
        ("express-app", "/api/v1/users", "env API_PREFIX from .env.example", ()),
        ("express-app", "/old-users", None, ("router not mounted anywhere",)),
        ("fastify-app", "/$ADMIN_PREFIX/reindex", "env ADMIN_PREFIX has no documented default", ()),
        ("fastify-app", "/api/v1/products", None, ()),
        ("nest-app", "/api/v1/cats", "env API_PREFIX default in src/common/settings.ts", ()),
        ("nest-app", "/health", None, ()),
    ],
)
def test_fixture_sources(
    fixture: str, path: str, source: str | None, notes: tuple[str, ...]
) -> None:
    routes = [r for r in link(load_fixture(fixture)) if r.path == path]
    assert routes
    assert {(r.source, r.notes) for r in routes} == {(source, notes)}
