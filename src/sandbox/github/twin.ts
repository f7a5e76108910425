// The GitHub twin: an HTTP server with real state that speaks the subset of GitHub's REST API the App and
// the Action use. Every exchange is checked against GitHub's own description (see openapi-contract.ts).
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeJwt, importSPKI, jwtVerify } from "jose";
import { type Clock, isoSeconds, systemClock } from "../clock.ts";
import { type Exchange, type ExchangeSummary, summarizeExchanges } from "../exchanges.ts";
import { listen, type RunningServer, type TwinRequest, type TwinResponse } from "../http.ts";
import { OpenApiContract } from "../openapi-contract.ts";
import { GithubError, notFound } from "./errors.ts";
import { TwinEvents } from "./events.ts";
import type { GithubOperationId } from "./operations.ts";
import { requiredPermission } from "./permissions.ts";
import {
  emptyWorld,
  type PermissionLevel,
  type Repo,
  type Role,
  type Token,
  type WorldState,
} from "./state.ts";

export type Identity =
  | { kind: "app"; appId: number }
  | { kind: "installation"; token: Token; installationId: number; appId: number }
  | { kind: "run"; token: Token; runId: number }
  | { kind: "user"; login: string }
  | { kind: "anonymous" };

export interface HandlerContext {
  twin: GithubTwin;
  world: WorldState;
  operationId: GithubOperationId;
  /** The request's pathname, as the client sent it. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  identity: Identity;
  /** The login acting: a user, `<app-slug>[bot]` for an installation, `github-actions[bot]` for a run. */
  actorLogin: string;
  /** The repository named by {owner}/{repo}, resolved and visibility-checked. */
  repo: () => Repo;
  now: () => string;
  /** The request's Accept header (GitHub's custom media types change some answers). */
  accept: string;
}

export type Handler = (ctx: HandlerContext) => TwinResponse | Promise<TwinResponse>;
export type HandlerTable = Partial<Record<GithubOperationId, Handler>>;

/** A route outside GitHub's REST description (log downloads, OIDC). Not contract-validated; counted apart. */
export interface ExtraRoute {
  method: string;
  /** Matched against the pathname. */
  pattern: RegExp;
  handle: (req: TwinRequest, match: RegExpExecArray) => TwinResponse | Promise<TwinResponse>;
}

/** One webhook delivery the twin attempted (webhooks.ts); `violations` non-empty means it was not sent. */
export interface Delivery {
  event: string;
  action: string | null;
  deliveryId: string;
  appId: number;
  installationId: number;
  url: string;
  /** The receiver's status; 0 when it was never sent or the connection failed. */
  status: number;
  violations: string[];
  error?: string;
}

export type { Exchange };

export interface ContractReport extends ExchangeSummary {
  extraRoutes: number;
}

let sharedContract: OpenApiContract | undefined;
/** Compiled once per process: GitHub's description subset, loaded lazily. */
export function githubContract(): OpenApiContract {
  sharedContract ??= new OpenApiContract(
    JSON.parse(readFileSync(new URL("./spec/api.github.com.subset.json", import.meta.url), "utf8")),
    { greedyParams: ["path", "ref"], undocumentedErrorSchema: "basic-error" },
  );
  return sharedContract;
}

export interface GithubTwinOptions {
  clock?: Clock;
  /** Directory to persist state in; in memory only when absent. */
  stateDir?: string;
  /** Strict (default): an exchange that fails validation is answered 500 and recorded. */
  strict?: boolean;
  /** The bundled Action a workflow step `uses:` runs as a child process (default: action/dist/index.js). */
  actionEntry?: string;
  /** Extra `uses:` values (besides `./` and `<owner>/devops-agent@<ref>`) that name our Action. */
  actionUses?: string[];
  /**
   * Variables every job's steps see, as a self-hosted runner's `.env` file gives them: the sandbox points the
   * Action at its lab (DNS resolver, trust store, provider URLs) this way. The runtime contract's own
   * variables win over these.
   */
  runnerEnv?: Record<string, string>;
}

export class GithubTwin {
  readonly clock: Clock;
  world: WorldState;
  readonly exchanges: Exchange[] = [];
  /** Webhook deliveries in the order they were attempted (webhooks.ts). */
  readonly deliveries: Delivery[] = [];
  readonly events = new TwinEvents();
  #extraCount = 0;
  readonly #handlers: HandlerTable = {};
  readonly #extraRoutes: ExtraRoute[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #stateDir: string | undefined;
  readonly #strict: boolean;
  /** What the workflow runner needs from the options (routes/actions.ts, runner/). */
  readonly runnerOptions: Pick<GithubTwinOptions, "actionEntry" | "actionUses" | "runnerEnv">;
  #server: RunningServer | undefined;

  constructor(options: GithubTwinOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#stateDir = options.stateDir;
    this.#strict = options.strict ?? true;
    this.runnerOptions = {
      actionEntry: options.actionEntry,
      actionUses: options.actionUses,
      runnerEnv: options.runnerEnv,
    };
    this.world = this.#stateDir ? loadWorld(this.#stateDir) : emptyWorld();
  }

  /** Registers REST handlers; a group module calls this once with its table. */
  use(handlers: HandlerTable, extra: ExtraRoute[] = []): this {
    for (const [id, handler] of Object.entries(handlers)) {
      if (this.#handlers[id as GithubOperationId]) throw new Error(`handler for ${id} registered twice`);
      this.#handlers[id as GithubOperationId] = handler;
    }
    this.#extraRoutes.push(...extra);
    return this;
  }

  get url(): string {
    if (!this.#server) throw new Error("twin not started");
    return this.#server.url;
  }

  async start(options: { port?: number } = {}): Promise<this> {
    this.#server = await listen((req) => this.#handle(req), options);
    return this;
  }

  async close(): Promise<void> {
    await this.settled();
    this.save();
    await this.#server?.close();
  }

  /** Tracks background work (webhook deliveries, workflow runs) so tests can wait for quiet. */
  track<T>(work: Promise<T>): Promise<T> {
    this.#pending.add(work);
    const done = () => this.#pending.delete(work);
    work.then(done, done);
    return work;
  }

  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  nextId(): number {
    return this.world.nextId++;
  }

  now(): string {
    return isoSeconds(this.clock.now());
  }

  save(): void {
    if (!this.#stateDir) return;
    mkdirSync(this.#stateDir, { recursive: true });
    writeFileSync(join(this.#stateDir, "github.json"), JSON.stringify(this.world));
  }

  contractReport(): ContractReport {
    return { ...summarizeExchanges(this.exchanges), extraRoutes: this.#extraCount };
  }

  repoByName(fullName: string): Repo | undefined {
    return this.world.repos[fullName.toLowerCase()];
  }

  issueToken(token: Omit<Token, "token" | "expiresAt"> & { prefix: string; ttlMs: number }): Token {
    const { prefix, ttlMs, ...rest } = token;
    const value = `${prefix}_${randomBytes(18).toString("base64url")}`;
    const saved: Token = {
      ...rest,
      token: value,
      expiresAt: isoSeconds(new Date(this.clock.now().getTime() + ttlMs)),
    };
    this.world.tokens[value] = saved;
    return saved;
  }

  /** The role a user holds on a repository: the owner is admin; public repositories are readable by all. */
  roleOf(repo: Repo, login: string): Role | null {
    if (login.toLowerCase() === repo.ownerLogin.toLowerCase()) return "admin";
    const role = Object.entries(repo.collaborators).find(
      ([l]) => l.toLowerCase() === login.toLowerCase(),
    )?.[1];
    return role ?? (repo.private ? null : "read");
  }

  async #handle(req: TwinRequest): Promise<TwinResponse> {
    for (const route of this.#extraRoutes) {
      const found = route.method === req.method ? route.pattern.exec(req.url.pathname) : null;
      if (found) {
        this.#extraCount++;
        return route.handle(req, found);
      }
    }
    const contract = githubContract();
    const pathname = this.#canonicalPath(req.method, req.url.pathname);
    const matched =
      contract.match(req.method, pathname) ?? contract.match(req.method, pathname.replace(/\/+$/, "") || "/");
    const exchange: Exchange = {
      operationId: matched?.operationId ?? null,
      method: req.method,
      path: req.url.pathname,
      status: 0,
      violations: [],
    };
    this.exchanges.push(exchange);
    if (!matched) {
      exchange.violations.push(
        `${req.method} ${req.url.pathname} matches no operation in GitHub's description`,
      );
      exchange.status = 404;
      return {
        status: 404,
        body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
      };
    }
    if (req.jsonError) {
      exchange.status = 400;
      return {
        status: 400,
        body: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/rest" },
      };
    }
    const requestProblems = contract.validateRequest(matched.operationId, {
      params: matched.params,
      query: req.url.searchParams,
      body: req.json,
      hasBody: req.raw.length > 0,
    });
    let response: TwinResponse;
    if (requestProblems.length > 0) {
      // GitHub itself answers 422 to a body that breaks its schema; the exchange is still a violation of ours,
      // because our own clients must never send one.
      exchange.violations.push(...requestProblems.map((p) => `request: ${p}`));
      response = errorResponse(new GithubError(422, `Invalid request.\n\n${requestProblems.join("\n")}`));
    } else {
      response = await this.#dispatch(
        req,
        matched.operationId as GithubOperationId,
        matched.params,
        exchange,
      );
    }
    const contentType =
      response.headers?.["content-type"] ??
      (response.body === undefined || Buffer.isBuffer(response.body) || typeof response.body === "string"
        ? undefined
        : "application/json");
    const responseProblems = contract.validateResponse(
      matched.operationId,
      response.status,
      response.body,
      contentType,
    );
    exchange.status = response.status;
    if (responseProblems.length > 0) {
      exchange.violations.push(...responseProblems.map((p) => `response: ${p}`));
      if (this.#strict) {
        response = {
          status: 500,
          body: {
            message: `twin contract violation in ${matched.operationId}: ${responseProblems.join("; ")}`,
          },
        };
      }
    }
    this.save();
    return { ...response, headers: { ...this.#standardHeaders(), ...response.headers } };
  }

  async #dispatch(
    req: TwinRequest,
    operationId: GithubOperationId,
    params: Record<string, string>,
    exchange: Exchange,
  ): Promise<TwinResponse> {
    const handler = this.#handlers[operationId];
    if (!handler) {
      return errorResponse(new GithubError(501, `the twin does not implement ${operationId} yet`));
    }
    try {
      const identity = await this.#authenticate(req.headers.authorization);
      exchange.caller = identity.kind === "app" ? `app:${identity.appId}` : this.actorLogin(identity);
      const ctx: HandlerContext = {
        twin: this,
        world: this.world,
        operationId,
        path: req.url.pathname,
        params,
        query: req.url.searchParams,
        body: (req.json && typeof req.json === "object" ? req.json : {}) as Record<string, unknown>,
        identity,
        actorLogin: this.actorLogin(identity),
        repo: () => this.#authorizeRepo(identity, params, operationId, req.method),
        now: () => this.now(),
        accept: String(req.headers.accept ?? ""),
      };
      if (!("owner" in params && "repo" in params)) this.#authorizeGlobal(identity, operationId);
      return await handler(ctx);
    } catch (error) {
      if (error instanceof GithubError) return errorResponse(error);
      throw error;
    }
  }

  actorLogin(identity: Identity): string {
    switch (identity.kind) {
      case "user":
        return identity.login;
      case "installation":
        return `${this.world.apps[identity.appId]?.slug ?? "app"}[bot]`;
      case "run":
        return "github-actions[bot]";
      case "app":
        return `${this.world.apps[identity.appId]?.slug ?? "app"}[bot]`;
      default:
        return "ghost";
    }
  }

  async #authenticate(header: string | undefined): Promise<Identity> {
    if (!header) return { kind: "anonymous" };
    const match = /^(?:bearer|token)\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw new GithubError(401, "Bad credentials");
    const credential = match[1];
    if (credential.split(".").length === 3) return this.#authenticateAppJwt(credential);
    const token = this.world.tokens[credential];
    if (!token || new Date(token.expiresAt).getTime() <= this.clock.now().getTime()) {
      throw new GithubError(401, "Bad credentials");
    }
    if (token.kind === "user" && token.login) return { kind: "user", login: token.login };
    if (token.kind === "run" && token.runId !== undefined) return { kind: "run", token, runId: token.runId };
    const installation =
      token.installationId !== undefined ? this.world.installations[token.installationId] : undefined;
    if (!installation) throw new GithubError(401, "Bad credentials");
    return { kind: "installation", token, installationId: installation.id, appId: installation.appId };
  }

  async #authenticateAppJwt(jwt: string): Promise<Identity> {
    let issuer: string | undefined;
    try {
      issuer = String(decodeJwt(jwt).iss ?? "");
    } catch {
      throw new GithubError(401, "A JSON web token could not be decoded");
    }
    const app = this.world.apps[Number(issuer)];
    if (!app) throw new GithubError(401, "Integration not found");
    try {
      const key = await importSPKI(app.publicKeyPem, "RS256");
      // GitHub allows 60 s of clock drift and at most 10 minutes of validity.
      const { payload } = await jwtVerify(jwt, key, { clockTolerance: 60, currentDate: this.clock.now() });
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 660) throw new Error("expiry too far");
    } catch {
      throw new GithubError(
        401,
        "'Expiration time' claim ('exp') is too far in the future or the signature is invalid",
      );
    }
    return { kind: "app", appId: app.id };
  }

  #authorizeGlobal(identity: Identity, operationId: GithubOperationId): void {
    const needs = requiredPermission(operationId, "GET");
    if (needs === "app-jwt" && identity.kind !== "app") {
      throw new GithubError(401, "A JSON web token could not be decoded");
    }
    if (needs !== "app-jwt" && identity.kind === "app") throw forbiddenForApp();
    if (identity.kind === "anonymous" && needs !== "none")
      throw new GithubError(401, "Requires authentication");
  }

  #authorizeRepo(
    identity: Identity,
    params: Record<string, string>,
    operationId: GithubOperationId,
    method: string,
  ): Repo {
    const repo = this.repoByName(`${params.owner}/${params.repo}`);
    if (!repo) throw notFound();
    const needs = requiredPermission(operationId, method, params);
    if (needs === "app-jwt") {
      if (identity.kind !== "app") throw new GithubError(401, "A JSON web token could not be decoded");
      return repo;
    }
    if (needs === "none") return repo;
    const [permission, level] = needs;
    switch (identity.kind) {
      case "anonymous":
        if (repo.private || level !== "read") throw notFound();
        return repo;
      case "app":
        throw forbiddenForApp();
      case "user": {
        const role = this.roleOf(repo, identity.login);
        if (!role) throw notFound();
        if (!roleAllows(role, permission, level) && !READER_WRITES.includes(operationId)) {
          throw new GithubError(
            role === "read" && level !== "read" ? 404 : 403,
            role === "read" ? "Not Found" : "Must have admin rights to Repository.",
          );
        }
        return repo;
      }
      case "installation":
      case "run": {
        const token = identity.token;
        if (token.repositoryIds && !token.repositoryIds.includes(repo.id)) throw notFound();
        if (identity.kind === "installation") {
          const installation = this.world.installations[identity.installationId];
          if (!installation || !installationCovers(installation, repo)) throw notFound();
        }
        const granted = token.permissions?.[permission];
        if (!levelAllows(granted, level)) throw forbiddenForIntegration();
        return repo;
      }
    }
  }

  /** The documented path a request is routed and validated as (see #canonicalPath); for replaying recordings. */
  canonicalPath(method: string, pathname: string): string {
    return this.#canonicalPath(method.toUpperCase(), pathname);
  }

  /**
   * GitHub still serves a few paths its description no longer lists; real clients and recorded exchanges use
   * them. Each maps onto the documented operation whose contract it is then held to.
   */
  #canonicalPath(method: string, pathname: string): string {
    let path = pathname;
    // Link headers point at /repositories/{id}/…
    const byId = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
    if (byId) {
      const repo = Object.values(this.world.repos).find((r) => r.id === Number(byId[1]));
      if (repo) path = `/repos/${repo.ownerLogin}/${repo.name}${byId[2] ?? ""}`;
    }
    // GET …/git/refs[/prefix] lists refs like …/git/matching-refs/{prefix}.
    const refs = /^(\/repos\/[^/]+\/[^/]+)\/git\/refs(?:\/(.*))?$/.exec(path);
    if (refs && method === "GET")
      path = `${refs[1]}/git/matching-refs/${(refs[2] ?? "").replace(/\/+$/, "")}`;
    // The root directory's contents: Octokit sends …/contents with an empty {path}.
    if (/^\/repos\/[^/]+\/[^/]+\/contents$/.test(path)) path = `${path}/`;
    return path;
  }

  #standardHeaders(): Record<string, string> {
    const reset = Math.floor(this.clock.now().getTime() / 1000) + 3600;
    return {
      "x-github-request-id": randomUUID().toUpperCase().slice(0, 23),
      "x-github-api-version-selected": "2022-11-28",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(Math.max(0, 5000 - (this.exchanges.length % 5000))),
      "x-ratelimit-used": String(this.exchanges.length % 5000),
      "x-ratelimit-reset": String(reset),
      "x-ratelimit-resource": "core",
    };
  }
}

/** Writes anyone who can read may make (open an issue, comment); handlers check ownership and labels. */
const READER_WRITES: GithubOperationId[] = [
  "issues/create",
  "issues/create-comment",
  "issues/update-comment",
  "issues/delete-comment",
];

function forbiddenForApp(): GithubError {
  return new GithubError(
    403,
    "A JSON web token can only be used for /app endpoints; use an installation token.",
  );
}

function forbiddenForIntegration(): GithubError {
  return new GithubError(403, "Resource not accessible by integration");
}

export function installationCovers(installation: WorldState["installations"][number], repo: Repo): boolean {
  if (installation.accountLogin.toLowerCase() !== repo.ownerLogin.toLowerCase()) return false;
  return installation.repositorySelection === "all" || installation.repositoryIds.includes(repo.id);
}

const LEVELS: Record<PermissionLevel, number> = { read: 1, write: 2, admin: 3 };

export function levelAllows(granted: PermissionLevel | undefined, needed: PermissionLevel): boolean {
  return granted !== undefined && LEVELS[granted] >= LEVELS[needed];
}

/** What a collaborator role lets a user do, in GitHub App permission terms. */
function roleAllows(role: Role, permission: string, level: PermissionLevel): boolean {
  if (role === "admin") return true;
  const adminOnly = ["secrets", "environments", "actions_variables", "administration"];
  if (adminOnly.includes(permission)) return false;
  if (level === "read") return true;
  if (role === "maintain" || role === "write") return true;
  // triage may manage issues and pull requests metadata, nothing else.
  return role === "triage" && (permission === "issues" || permission === "pull_requests");
}

export function errorResponse(error: GithubError): TwinResponse {
  const body: Record<string, unknown> = {
    message: error.message,
    documentation_url: "https://docs.github.com/rest",
    status: String(error.status),
  };
  if (error.errors) body.errors = error.errors;
  return { status: error.status, body, headers: error.headers };
}

function loadWorld(dir: string): WorldState {
  try {
    return JSON.parse(readFileSync(join(dir, "github.json"), "utf8")) as WorldState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyWorld();
    throw new Error(
      `cannot read the twin's state in ${join(dir, "github.json")}: ${(error as Error).message}`,
    );
  }
}
