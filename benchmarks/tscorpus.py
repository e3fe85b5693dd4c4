"""Generate a deterministic, real-looking TypeScript code base (every export form we read).

Per entity: a model, a DTO module, a repository, a service, a validator namespace and an
Express router; around them barrels (``export *``, ``export * as ns``, renames, default
re-exports), utilities (overloads, generics, rest/default/destructured parameters),
declaration files (``declare``, ``export =``, ambient namespaces), TSX components.
"""

from __future__ import annotations

import random
from pathlib import Path

ENTITIES = tuple(
    [
        "user",
        "account",
        "order",
        "invoice",
        "payment",
        "product",
        "customer",
        "shipment",
        "ticket",
        "comment",
        "project",
        "task",
        "team",
        "tag",
        "notification",
        "audit",
        "document",
        "webhook",
        "subscription",
        "plan",
        "coupon",
        "address",
        "review",
        "session",
        "report",
    ]
)


def pascal(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.replace("-", "_").split("_"))


def plural(name: str) -> str:
    return name + ("es" if name.endswith(("s", "x", "ch")) else "s")


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.files: dict[str, str] = {}

    def pick(self, *options: str) -> str:
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- shared modules -------------------------------------------------------------

    def common(self) -> None:
        self.files["src/types/common.ts"] = """\
export type Id = string;
export type Timestamp = number;

export interface Paging {
  page?: number;
  size?: number;
}

export type Filter<T> = Partial<{ [K in keyof T]: T[K] | ((value: T[K]) => boolean) }>;

export interface Page<T> {
  items: T[];
  total: number;
  next?: Paging;
}

export interface RenameOptions {
  reason?: string;
  notify?: boolean;
}

export interface MatchFlags {
  exact?: boolean;
  caseSensitive?: boolean;
}

export const DEFAULT_PAGE: Required<Paging> = { page: 1, size: 20 };
"""
        self.files["src/types/vendor.d.ts"] = """\
export interface ClientOptions {
  timeout?: number;
  retries?: number;
  headers?: Record<string, string>;
}

export declare function track(event: string, props?: Record<string, unknown>): void;
export declare function identify(userId: string, traits?: object, ...integrations: string[]): void;
export declare const VERSION: string;

export declare class Client {
  constructor(url: string, opts?: ClientOptions);
  send<T>(message: T, ...extra: unknown[]): Promise<void>;
  close(force?: boolean): void;
  private reconnect(): void;
}

export declare namespace Metrics {
  function count(name: string, by?: number): void;
  function gauge(name: string, value: number, tags?: string[]): void;
  const prefix: string;
}

export declare enum Channel {
  Email = "email",
  Sms = "sms",
}

declare module "express-serve-static-core" {
  interface Request {
    requestId?: string;
  }
}
"""
        self.files["src/types/legacy.d.ts"] = """\
declare function legacy(input: string, opts?: legacy.LegacyOptions): string;

declare namespace legacy {
  interface LegacyOptions {
    strict?: boolean;
    encoding?: string;
  }
  const version: string;
  function parse(text: string, reviver?: (key: string, value: unknown) => unknown): object;
  function stringify(value: unknown, space?: number): string;
}

export = legacy;
"""
        self.files["src/types/implicit.d.ts"] = """\
import type { Id } from "./common";

declare function lookup(id: Id, fallback?: string): string;
declare const REGION: string;
interface LookupResult {
  id: Id;
  found: boolean;
}
type LookupFn = (id: Id) => LookupResult;
"""
        self.files["src/types/global.d.ts"] = """\
declare namespace NodeJS {
  interface ProcessEnv {
    API_PREFIX?: string;
    DATABASE_URL?: string;
  }
}

declare const __APP_VERSION__: string;
"""

    def utils(self) -> None:
        self.files["src/utils/logger.ts"] = """\
export enum LogLevel {
  Debug,
  Info,
  Warn,
  Error,
}

export interface Logger {
  log(level: LogLevel, message: string, ...args: unknown[]): void;
  child(name: string, fields?: Record<string, unknown>): Logger;
  readonly name: string;
}

export const createLogger = (name: string, level: LogLevel = LogLevel.Info): Logger => {
  const log = (at: LogLevel, message: string, ...args: unknown[]) => {
    if (at >= level) console.log(`[${name}] ${message}`, ...args);
  };
  return { name, log, child: (sub: string) => createLogger(`${name}.${sub}`, level) };
};

export default createLogger;
"""
        self.files["src/utils/strings.ts"] = """\
export interface SlugOptions {
  lower?: boolean;
  maxLength?: number;
}

export function join(separator: string, ...parts: string[]): string {
  return parts.filter(Boolean).join(separator);
}

export const slugify = function slugify(
  input: string,
  { lower = true, maxLength = 64 }: SlugOptions = {},
): string {
  const out = input.trim().replace(/[^a-zA-Z0-9]+/g, "-");
  return (lower ? out.toLowerCase() : out).slice(0, maxLength);
};

export function pad(value: string, width: number): string;
export function pad(value: number, width: number, fill?: string): string;
export function pad(value: string | number, width: number, fill = " "): string {
  return String(value).padStart(width, fill);
}

export const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export function truncate(text: string, max = 80, ellipsis?: string): string {
  return text.length > max ? text.slice(0, max) + (ellipsis ?? "...") : text;
}

function titleCase(text: string): string {
  return text.split(" ").map(capitalize).join(" ");
}

export { titleCase, titleCase as title };
"""
        self.files["src/utils/async.ts"] = """\
export interface RetryOptions {
  attempts?: number;
  delay?: number;
  onError?: (error: unknown, attempt: number) => void;
}

export async function retry<T>(
  fn: () => Promise<T>,
  { attempts = 3, delay = 100, onError }: RetryOptions = {},
): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      onError?.(error, i);
      await sleep(delay * 2 ** i);
    }
  }
  throw last;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function debounce<A extends unknown[]>(fn: (...args: A) => void, wait = 50) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

export async function* paginate<T>(
  fetchPage: (page: number) => Promise<T[]>,
  start = 1,
): AsyncGenerator<T[]> {
  for (let page = start; ; page++) {
    const items = await fetchPage(page);
    if (items.length === 0) return;
    yield items;
  }
}

export function timeout<T>(
  this: void,
  promise: Promise<T>,
  ms: number,
  label?: string,
): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(label ?? "timeout")), ms)),
  ]);
}
"""
        self.files["src/utils/collections.ts"] = """\
export function groupBy<T, K extends PropertyKey>(
  items: readonly T[],
  key: (item: T) => K,
): Record<K, T[]> {
  const out = {} as Record<K, T[]>;
  for (const item of items) (out[key(item)] ??= []).push(item);
  return out;
}

export function chunk<T>([...items]: T[], size: number): T[][] {
  const out: T[][] = [];
  while (items.length) out.push(items.splice(0, size));
  return out;
}

export const unique = <T,>(items: Iterable<T>, by?: (item: T) => unknown): T[] => {
  const seen = new Set<unknown>();
  return [...items].filter((item) => {
    const k = by ? by(item) : item;
    return seen.has(k) ? false : (seen.add(k), true);
  });
};

export function pairs<A, B>([first, second]: [A, B], swap = false): [A | B, A | B] {
  return swap ? [second, first] : [first, second];
}

export function zip<A, B>(left: A[], right: B[]): Array<[A, B]>;
export function zip<A, B, C>(left: A[], right: B[], third: C[]): Array<[A, B, C]>;
export function zip(...lists: unknown[][]): unknown[][] {
  const n = Math.min(...lists.map((l) => l.length));
  return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
}

function internalSort<T>(items: T[], compare?: (a: T, b: T) => number): T[] {
  return [...items].sort(compare);
}

export { internalSort as sortBy };
export { groupBy as group };
"""
        self.files["src/utils/errors.ts"] = """\
export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message ?? `HTTP ${status}`);
  }

  toJSON(includeStack = false): Record<string, unknown> {
    const stack = includeStack ? this.stack : undefined;
    return { status: this.status, message: this.message, stack };
  }

  static from(error: unknown, fallbackStatus = 500): HttpError {
    return error instanceof HttpError ? error : new HttpError(fallbackStatus, String(error));
  }
}

export class NotFoundError extends HttpError {}

export class ValidationError extends HttpError {
  constructor(readonly problems: string[], message = "validation failed") {
    super(422, message);
  }
}

export default HttpError;
"""
        self.files["src/utils/index.ts"] = """\
export * from "./async";
export * from "./collections";
export * as strings from "./strings";
export { default as createLogger, LogLevel, type Logger } from "./logger";
export { HttpError, NotFoundError as Missing } from "./errors";
export { default } from "./errors";
"""
        self.files["src/lib/config.ts"] = """\
export namespace Config {
  export interface Settings {
    port: number;
    prefix: string;
  }
  export function load(
    env: Record<string, string | undefined> = {},
    defaults?: Partial<Settings>,
  ): Settings {
    return { port: Number(env.PORT ?? defaults?.port ?? 3000), prefix: env.API_PREFIX ?? "/api" };
  }
  export const DEFAULTS: Settings = { port: 3000, prefix: "/api" };
  function hidden(): void {}
}

export namespace Config.Flags {
  export function isOn(name: string): boolean {
    return name.length > 0;
  }
}

export import Settings = Config.Settings;

export const enum Env {
  Dev = "development",
  Prod = "production",
}

export default Config;
"""

    # -- per entity -----------------------------------------------------------------

    def model(self, e: str) -> None:
        E = pascal(e)
        default_class = self.chance(0.3)
        cls_head = f"export default class {E}Model" if default_class else f"export class {E}Model"
        extra_fn = self.pick(
            f"export function describe{E}({{ id, name }}: {E}, verbose?: boolean): string {{\n"
            f"  return verbose ? `${{id}}: ${{name}}` : name;\n}}\n",
            f"export const describe{E} = ({{ id, name }}: Pick<{E}, 'id' | 'name'>, "
            f"separator = ': ') => `${{id}}${{separator}}${{name}}`;\n",
            f"export function describe{E}(\n  entity: {E},\n  {{\n    verbose = false,\n"
            f"    prefix,\n  }}: {{ verbose?: boolean; prefix?: string }} = {{}},\n): string {{\n"
            f"  return `${{prefix ?? ''}}${{verbose ? entity.id : entity.name}}`;\n}}\n",
        )
        self.files[f"src/models/{e}.ts"] = f"""\
import type {{ Id, Timestamp, RenameOptions, MatchFlags }} from "../types/common";

export enum {E}Status {{
  Active = "active",
  Archived = "archived",
  Pending = "pending",
}}

export interface {E} {{
  id: Id;
  name: string;
  status: {E}Status;
  createdAt: Timestamp;
  tags?: string[];
  rename(next: string, options?: RenameOptions): {E};
  matches(query: string, flags?: MatchFlags): boolean;
}}

export type {E}Id = {E}["id"];
export type {E}Patch = Partial<Omit<{E}, "id" | "createdAt">>;
export type {E}Event =
  | {{ type: "created"; payload: {E} }}
  | {{ type: "deleted"; id: {E}Id }};

{cls_head} implements {E} {{
  tags?: string[];

  constructor(
    public id: Id,
    public name: string,
    public status: {E}Status = {E}Status.Pending,
    public createdAt: Timestamp = Date.now(),
  ) {{}}

  rename(next: string, options?: RenameOptions): {E} {{
    if (options?.notify) console.info("renamed", this.id, options.reason);
    return new {E}Model(this.id, next, this.status, this.createdAt);
  }}

  matches(query: string, {{ exact = false, caseSensitive }}: MatchFlags = {{}}): boolean {{
    const a = caseSensitive ? this.name : this.name.toLowerCase();
    const b = caseSensitive ? query : query.toLowerCase();
    return exact ? a === b : a.includes(b);
  }}

  get label(): string {{
    return `${{this.name}} (${{this.status}})`;
  }}

  static fromJSON(raw: Record<string, unknown>, strict?: boolean): {E}Model {{
    if (strict && typeof raw.id !== "string") throw new TypeError("id");
    return new {E}Model(String(raw.id), String(raw.name));
  }}

  private touch(): void {{
    this.createdAt = Date.now();
  }}
}}

export const is{E} = (value: unknown): value is {E} =>
  typeof value === "object" && value !== null && "id" in value && "name" in value;

export function create{E}(name: string, status?: {E}Status): {E};
export function create{E}(init: Partial<{E}> & {{ name: string }}): {E};
export function create{E}(
  nameOrInit: string | (Partial<{E}> & {{ name: string }}),
  status?: {E}Status,
): {E} {{
  const init = typeof nameOrInit === "string" ? {{ name: nameOrInit, status }} : nameOrInit;
  return new {E}Model(`{e}-${{Math.random()}}`, init.name, init.status ?? {E}Status.Pending);
}}

{extra_fn}"""
        return None

    def dto(self, e: str) -> None:
        E = pascal(e)
        self.files[f"src/dto/{e}.dto.ts"] = f"""\
import type {{ {E} }} from "../models/{e}";
import {{ {E}Status }} from "../models/{e}";

export interface {E}Dto {{
  id: string;
  name: string;
  status: `${{{E}Status}}`;
}}

export type Create{E}Input = Omit<{E}Dto, "id"> & {{ tags?: string[] }};
export type Update{E}Input = Partial<Create{E}Input>;

export const to{E}Dto = ({{ id, name, status }}: {E}): {E}Dto => ({{ id, name, status }});

export function from{E}Tuple([id, name]: [string, string], extra?: Partial<{E}Dto>): {E}Dto {{
  return {{ id, name, status: {E}Status.Pending, ...extra }};
}}

export function parse{E}Input(
  body: unknown,
  {{ partial }}: {{ partial?: boolean }} = {{}},
): Update{E}Input {{
  if (typeof body !== "object" || body === null) throw new TypeError("body");
  return partial ? (body as Update{E}Input) : (body as Create{E}Input);
}}
"""

    def repository(self, e: str) -> None:
        E = pascal(e)
        own_ctor = self.chance(0.5)
        ctor = (
            "  constructor(table: string, private readonly ttl = 60) {\n    super(table);\n  }\n\n"
            if own_ctor
            else ""
        )
        self.files[f"src/repositories/{e}.repository.ts"] = f"""\
import {{ BaseRepository }} from "./base";
import type {{ {E} }} from "../models/{e}";
import type {{ Paging }} from "../types/common";

export class {E}Repository extends BaseRepository<{E}> {{
{ctor}  async findByName(name: string, limit = 10): Promise<{E}[]> {{
    return (await this.all()).filter((x) => x.name === name).slice(0, limit);
  }}

  async page({{ page = 1, size = 20 }}: Paging = {{}}): Promise<{E}[]> {{
    return (await this.all()).slice((page - 1) * size, page * size);
  }}
}}

export function* iterate{E}s(batch: {E}[], size = 100): Generator<{E}[]> {{
  for (let i = 0; i < batch.length; i += size) yield batch.slice(i, i + size);
}}
"""

    def service(self, e: str) -> str:
        """Returns how the service class is exported: 'default', 'named' or 'both'."""
        E = pascal(e)
        style = self.pick("default", "named", "both")
        head = f"export default class {E}Service" if style == "default" else f"class {E}Service"
        if style == "named":
            head = f"export class {E}Service"
        tail = (
            f"\nexport {{ {E}Service }};\nexport default {E}Service;\n" if style == "both" else ""
        )
        factory = self.pick(
            f"export const create{E}Service = (repo: {E}Repository, options?: {E}ServiceOptions)"
            f": {E}Service => new {E}Service(repo, options);\n",
            f"export function create{E}Service(repo: {E}Repository, options: {E}ServiceOptions"
            f" = {{}}): {E}Service {{\n  return new {E}Service(repo, options);\n}}\n",
            f"export const create{E}Service = async function make(\n  repo: {E}Repository,\n"
            f"  ...plugins: Array<(s: {E}Service) => void>\n): Promise<{E}Service> {{\n"
            f"  const s = new {E}Service(repo);\n  plugins.forEach((p) => p(s));\n"
            "  return s;\n};\n",
        )
        self.files[f"src/services/{e}.service.ts"] = f"""\
import {{ {E}, {E}Patch, {E}Status }} from "../models/{e}";
import {{ {E}Repository }} from "../repositories/{e}.repository";
import type {{ Logger }} from "../utils/logger";
import type {{ Filter, Page, Paging }} from "../types/common";
import {{ HttpError }} from "../utils/errors";

export interface {E}ServiceOptions {{
  pageSize?: number;
  logger?: Logger;
}}

{head} {{
  private readonly cache = new Map<string, {E}>();
  protected readonly pageSize: number;

  constructor(private readonly repo: {E}Repository, options: {E}ServiceOptions = {{}}) {{
    this.pageSize = options.pageSize ?? 20;
  }}

  async list({{ page = 1, size }}: Paging = {{}}, ...filters: Filter<{E}>[]): Promise<Page<{E}>> {{
    const items = await this.repo.page({{ page, size: size ?? this.pageSize }});
    return {{ items: filters.length ? items : items, total: items.length }};
  }}

  async get(id: string): Promise<{E}> {{
    const hit = this.cache.get(id) ?? (await this.repo.get(id));
    if (!hit) throw new HttpError(404, `{e} ${{id}} not found`);
    return hit;
  }}

  find(id: string): Promise<{E} | undefined>;
  find(query: {{ name: string; status?: {E}Status }}): Promise<{E}[]>;
  async find(arg: string | {{ name: string; status?: {E}Status }}): Promise<unknown> {{
    return typeof arg === "string" ? this.repo.get(arg) : this.repo.findByName(arg.name);
  }}

  async update(id: string, patch: {E}Patch, opts?: {{ silent?: boolean }}): Promise<{E}> {{
    const current = await this.get(id);
    const next = {{ ...current, ...patch }};
    if (!opts?.silent) this.audit("update", id);
    await this.repo.save(next);
    return next;
  }}

  async remove(id: string, force = false): Promise<boolean> {{
    this.cache.delete(id);
    return this.repo.delete(id, force);
  }}

  protected audit(action: string, ...ids: string[]): void {{
    console.info(action, ids);
  }}

  static create<T extends {E}ServiceOptions>(repo: {E}Repository, options?: T): {E}Service {{
    return new {E}Service(repo, options);
  }}

  #secret(token: string): string {{
    return token;
  }}
}}
{tail}
{factory}"""
        return style

    def validator(self, e: str) -> None:
        E = pascal(e)
        self.files[f"src/validators/{e}.validator.ts"] = f"""\
import type {{ {E} }} from "../models/{e}";
import {{ ValidationError }} from "../utils/errors";

export namespace {E}Validator {{
  export function validate(input: unknown, strict?: boolean): string[] {{
    const problems: string[] = [];
    if (typeof input !== "object" || input === null) problems.push("not an object");
    if (strict && problems.length) throw new ValidationError(problems);
    return problems;
  }}
  export const rules: ReadonlyArray<string> = ["id", "name"];
  export interface Result {{
    ok: boolean;
    problems: string[];
  }}
}}

export function assert{E}(
  this: void,
  value: unknown,
  message = "invalid {e}",
): asserts value is {E} {{
  const problems = {E}Validator.validate(value);
  if (problems.length) throw new ValidationError(problems, message);
}}

export type {E}Check = (value: unknown) => value is {E};
"""

    def routes(self, e: str) -> None:
        E = pascal(e)
        es = plural(e)
        default = self.pick("router", "function", "named")
        if default == "function":
            tail = (
                "export default function (app: { use(path: string, r: Router): void }, "
                "prefix = basePath): void {\n  app.use(prefix, router);\n}\n"
            )
        elif default == "named":
            tail = (
                f"export default function mount{E}Routes(app: {{ use(path: string, r: Router): "
                f"void }}, prefix?: string): void {{\n  app.use(prefix ?? basePath, router);\n}}\n"
            )
        else:
            tail = "export default router;\n"
        self.files[f"src/api/{e}.routes.ts"] = f"""\
import {{ Router, type Request, type Response }} from "express";
import * as {e}s from "../services/{e}.service";
import {{ HttpError }} from "../utils/errors";

const router = Router();
export const basePath = "/{es}";

router.get("/", async (req: Request, res: Response) => {{
  res.json({{ items: [], page: Number(req.query.page ?? 1) }});
}});

router.get("/:id", async (req: Request, res: Response) => {{
  res.json({{ id: req.params.id }});
}});

router.post("/", async (req: Request, res: Response) => {{
  res.status(201).json(req.body);
}});

router.put("/:id", async (req: Request, res: Response) => {{
  res.json({{ id: req.params.id, ...req.body }});
}});

router.delete("/:id", async (req: Request, res: Response) => {{
  res.status(204).end();
}});

export function handleError(error: unknown, res: Response, status = 500): void {{
  const e = HttpError.from(error, status);
  res.status(e.status).json(e.toJSON());
}}

export {{ router as {e}Router, {e}s }};
{tail}"""

    # -- barrels, components, entry -------------------------------------------------

    def barrels(self, styles: dict[str, str]) -> None:
        self.files["src/models/index.ts"] = "".join(f'export * from "./{e}";\n' for e in styles)
        lines = []
        for i, (e, style) in enumerate(styles.items()):
            E = pascal(e)
            if style == "default":
                lines.append(f'export {{ default as {E}Service }} from "./{e}.service";')
                lines.append(f'export {{ type {E}ServiceOptions }} from "./{e}.service";')
            elif i % 3 == 0:
                lines.append(f'export * as {e}Api from "./{e}.service";')
            else:
                lines.append(f'export * from "./{e}.service";')
            if i % 4 == 1:
                lines.append(f'export {{ create{E}Service as make{E}s }} from "./{e}.service";')
        self.files["src/services/index.ts"] = "\n".join(lines) + "\n"
        self.files["src/dto/index.ts"] = "".join(
            f'export type {{ {pascal(e)}Dto, Create{pascal(e)}Input }} from "./{e}.dto";\n'
            f'export {{ to{pascal(e)}Dto }} from "./{e}.dto";\n'
            for e in styles
        )
        self.files["src/repositories/base.ts"] = """\
export abstract class BaseRepository<T extends { id: string }> {
  protected readonly rows = new Map<string, T>();

  constructor(readonly table: string) {}

  async get(id: string): Promise<T | undefined> {
    return this.rows.get(id);
  }

  async all(): Promise<T[]> {
    return [...this.rows.values()];
  }

  async save(row: T, upsert = true): Promise<void> {
    if (!upsert && this.rows.has(row.id)) throw new Error("exists");
    this.rows.set(row.id, row);
  }

  async delete(id: string, force?: boolean): Promise<boolean> {
    return force ? this.rows.delete(id) : false;
  }

  abstract page(paging?: { page?: number; size?: number }): Promise<T[]>;
}
"""
        self.files["src/repositories/index.ts"] = 'export * from "./base";\n' + "".join(
            f'export {{ {pascal(e)}Repository }} from "./{e}.repository";\n' for e in styles
        )
        imports = "\n".join(f'import {{ {e}Router }} from "./{e}.routes";' for e in styles)
        mounts = "\n".join(f'api.use("/{plural(e)}", {e}Router);' for e in styles)
        self.files["src/api/index.ts"] = f"""\
import {{ Router }} from "express";
{imports}

export const api = Router();
{mounts}
export {{ basePath as userBase }} from "./user.routes";
export {{ default as userRoutes }} from "./user.routes";
"""
        validators = "".join(
            f'export {{ {pascal(e)}Validator, assert{pascal(e)} }} from "./{e}.validator";\n'
            for e in styles
        )
        self.files["src/validators/index.ts"] = validators

    def components(self, n: int) -> None:
        for i in range(n):
            C = pascal(self.pick("button", "card", "list", "modal", "table", "badge")) + str(i)
            form = i % 3
            if form == 0:
                body = f"""\
export function {C}({{ label, onClick, disabled = false }}: {C}Props) {{
  return (
    <button disabled={{disabled}} onClick={{onClick}}>
      {{label}}
    </button>
  );
}}

export default {C};
"""
            elif form == 1:
                body = f"""\
export default function {C}({{ label, children }}: {C}Props & {{ children?: unknown }}) {{
  return <section title={{label}}>{{String(children ?? "")}}</section>;
}}

export const {C}Header = ({{ label }}: Pick<{C}Props, "label">, level = 2) => (
  <h2 data-level={{level}}>{{label}}</h2>
);
"""
            else:
                body = f"""\
export const {C} = <T,>({{ items, render }}: {{ items: T[]; render: (item: T) => string }}) => (
  <ul>
    {{items.map((item, i) => (
      <li key={{i}}>{{render(item)}}</li>
    ))}}
  </ul>
);

export default ({{ label }}: {C}Props) => <span>{{label}}</span>;
"""
            self.files[f"src/components/{C}.tsx"] = f"""\
export interface {C}Props {{
  label: string;
  disabled?: boolean;
  onClick?(event: {{ type: string }}): void;
}}

{body}"""

    def entry(self) -> None:
        self.files["src/server.ts"] = """\
import express from "express";
import { api } from "./api";

const app = express();
app.use(express.json());
app.use("/api/v1", api);

export function start(port = 3000, host?: string): void {
  app.listen(port, host ?? "0.0.0.0");
}

export default app;
"""
        self.files["src/index.ts"] = """\
export * from "./models";
export * from "./dto";
export * as services from "./services";
export * as repositories from "./repositories";
export { api } from "./api";
export * from "./utils";
export { Config as default, Env } from "./lib/config";
export { track, Client, type ClientOptions } from "./types/vendor";
import legacy = require("./types/legacy");
export { legacy };
"""


def generate(root: Path, seed: int = 7, entities: int = len(ENTITIES), components: int = 12) -> int:
    """Write the code base under ``root``; returns the number of files written."""
    g = _Gen(seed)
    names = list(ENTITIES[:entities])
    # More entities than names: numbered variants (user2, order2, ...) keep it deterministic.
    k = 2
    while len(names) < entities:
        names += [f"{n}{k}" for n in ENTITIES][: entities - len(names)]
        k += 1
    g.common()
    g.utils()
    styles: dict[str, str] = {}
    for e in names:
        g.model(e)
        g.dto(e)
        g.repository(e)
        styles[e] = g.service(e)
        g.validator(e)
        g.routes(e)
    if "user" not in styles:
        raise ValueError("the corpus needs the 'user' entity")
    g.barrels(styles)
    g.components(components)
    g.entry()
    for rel, body in g.files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8")
    return len(g.files)
