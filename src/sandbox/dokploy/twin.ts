// The Dokploy twin: an HTTP server with real state speaking the subset of Dokploy's tRPC-as-REST API
// (`/api/<router>.<procedure>`, `x-api-key`) the Action uses. Requests are validated fail-closed against Dokploy's
// own OpenAPI description (spec/); responses against the shapes PROVIDERS.md §1 documents (response-schemas.ts).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type Clock, systemClock } from "../clock.ts";
import { type Exchange, type ExchangeSummary, summarizeExchanges } from "../exchanges.ts";
import { listen, type RunningServer, type TwinRequest, type TwinResponse } from "../http.ts";
import { OpenApiContract } from "../openapi-contract.ts";
import { STATUS, TrpcError } from "./errors.ts";
import { type DrawnFault, type FaultKind, type FaultOptions, FaultSchedule } from "./faults.ts";
import { dokployHandlers, startDeployment } from "./handlers.ts";
import { validateDokployResponse, validateFaultResponse } from "./response-schemas.ts";
import { type DokployRuntime, parseEnvText } from "./runtime.ts";
import { type DokployWorld, emptyWorld } from "./state.ts";

export interface HandlerContext {
  twin: DokployTwin;
  world: DokployWorld;
  /** `<router>.<procedure>`, e.g. `application.create`. */
  procedure: string;
  /** The JSON body of a mutation (already validated against the description). */
  body: Record<string, unknown>;
  query: URLSearchParams;
  organizationId: string;
}

/** What a handler returns: the procedure's return value; `undefined` is Dokploy's empty 200 body. */
export type Handler = (ctx: HandlerContext) => unknown;
/** Keyed by the description's operationId (`application-create`). */
export type HandlerTable = Record<string, Handler>;

export type { Exchange };

export interface ContractReport extends ExchangeSummary {
  faults: number;
}

let sharedContract: OpenApiContract | undefined;
/** Dokploy's description subset, compiled once per process. */
export function dokployContract(): OpenApiContract {
  const read = (name: string) => JSON.parse(readFileSync(new URL(`./spec/${name}`, import.meta.url), "utf8"));
  const subset = read("openapi.subset.json");
  // The two deletes a rollback needs, cut from the same full description (spec/PROVENANCE.md).
  const rollback = read("openapi.rollback.json") as { paths: Record<string, unknown> };
  sharedContract ??= new OpenApiContract({ ...subset, paths: { ...subset.paths, ...rollback.paths } });
  return sharedContract;
}

export interface DokployTwinOptions {
  clock?: Clock;
  /** Strict (default): a response that breaks its schema is answered 500 and recorded. */
  strict?: boolean;
  /** Seeded random faults; none when absent. */
  faults?: FaultOptions;
  /** How long a `timeout` fault holds the request before destroying the socket (default 2000 ms). */
  holdMs?: number;
  /** Retry-After seconds on an injected 429 (default 1). */
  retryAfterSeconds?: number;
  /** Replaces handlers (canaries use this to serve a deliberately broken answer). */
  handlers?: HandlerTable;
  /** Really runs what is deployed (the sandbox's process runtime); clock-driven outcomes when absent. */
  runtime?: DokployRuntime;
}

export class DokployTwin {
  readonly clock: Clock;
  readonly world: DokployWorld = emptyWorld();
  readonly exchanges: Exchange[] = [];
  readonly runtime: DokployRuntime | undefined;
  /** appNames the runtime was asked to run, and the deploys still settling: what close() stops and awaits. */
  readonly #launched = new Set<string>();
  readonly #settling = new Set<Promise<void>>();
  readonly #handlers: HandlerTable;
  readonly #strict: boolean;
  readonly #holdMs: number;
  readonly #retryAfter: number;
  readonly #queued: { kind: FaultKind; procedure?: string; status?: number }[] = [];
  #schedule: FaultSchedule | undefined;
  #server: RunningServer | undefined;

  constructor(options: DokployTwinOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#strict = options.strict ?? true;
    this.#holdMs = options.holdMs ?? 2000;
    this.#retryAfter = options.retryAfterSeconds ?? 1;
    this.#handlers = { ...dokployHandlers, ...options.handlers };
    this.runtime = options.runtime;
    if (options.faults) this.#schedule = new FaultSchedule(options.faults);
  }

  /** The server's origin; clients use `${url}/api` as Dokploy's base URL. */
  get url(): string {
    if (!this.#server) throw new Error("twin not started");
    return this.#server.url;
  }

  get apiUrl(): string {
    return `${this.url}/api`;
  }

  async start(options: { port?: number } = {}): Promise<this> {
    this.#server = await listen((req) => this.#handle(req), options);
    return this;
  }

  async close(): Promise<void> {
    await this.#server?.close();
    await Promise.allSettled([...this.#settling]);
    if (this.runtime) {
      const runtime = this.runtime;
      await Promise.allSettled([...this.#launched].map((appName) => runtime.stop(appName)));
    }
  }

  /**
   * Hands a deployment to the runtime: the app's image, its env text parsed and its domains. The deployment ends
   * when the runtime settles; a runtime that throws is a failed deployment, with the error as its log.
   */
  runOnRuntime(deploymentId: string): void {
    const runtime = this.runtime;
    const deployment = this.world.deployments[deploymentId];
    const application = deployment ? this.world.applications[deployment.applicationId] : undefined;
    if (!runtime || !application) return;
    this.#launched.add(application.appName);
    const domains = Object.values(this.world.domains)
      .filter((d) => d.applicationId === application.applicationId && d.enabled)
      .map((d) => ({ host: d.host, port: d.port ?? 3000, https: d.https }));
    const settle = (result: { status: "done" | "error"; log: string; errorMessage?: string }) => {
      const run = this.world.runs[deploymentId];
      if (!run) return;
      run.outcome = {
        status: result.status,
        log: [...run.outcome.log, ...result.log.split("\n").filter((line) => line !== "")],
        errorMessage: result.errorMessage,
      };
      run.finishesAtMs = this.clock.now().getTime();
      this.#finish(deploymentId);
    };
    const settling = runtime
      .deploy({
        appName: application.appName,
        dockerImage: application.dockerImage ?? "",
        env: parseEnvText(application.env),
        domains,
      })
      .then(settle, (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        settle({ status: "error", log: message, errorMessage: message });
      })
      .finally(() => this.#settling.delete(settling));
    this.#settling.add(settling);
  }

  /** Replaces the seeded fault schedule (null turns random faults off). */
  setFaults(options: FaultOptions | null): void {
    this.#schedule = options ? new FaultSchedule(options) : undefined;
  }

  /** Queues one fault for the next request (to `procedure`, when given), ahead of the seeded schedule. */
  injectFault(kind: FaultKind, options: { procedure?: string; status?: number } = {}): void {
    this.#queued.push({ kind, ...options });
  }

  newId(): string {
    // Dokploy's ids are nanoids: 21 characters of [A-Za-z0-9_-].
    return randomBytes(16).toString("base64url").slice(0, 21);
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  /**
   * Moves deployments along the twin's clock: a running deployment whose build time has elapsed becomes done or
   * error as scripted, and its application's status follows. Called on every request, and by tests.
   */
  progress(): void {
    const nowMs = this.clock.now().getTime();
    for (const run of Object.values(this.world.runs)) {
      const deployment = this.world.deployments[run.deploymentId];
      if (deployment?.status !== "running" || nowMs < run.finishesAtMs) continue;
      this.#finish(run.deploymentId);
    }
  }

  /** Finishes every running deployment now, whatever the clock says (for tests that do not drive time). */
  finishDeployments(): void {
    for (const run of Object.values(this.world.runs)) {
      if (run.viaRuntime) continue;
      if (this.world.deployments[run.deploymentId]?.status === "running") this.#finish(run.deploymentId);
    }
  }

  #finish(deploymentId: string): void {
    const run = this.world.runs[deploymentId];
    const deployment = this.world.deployments[deploymentId];
    if (!run || !deployment) return;
    deployment.status = run.outcome.status;
    deployment.finishedAt = new Date(Math.max(run.finishesAtMs, this.clock.now().getTime())).toISOString();
    deployment.errorMessage =
      run.outcome.status === "error" ? (run.outcome.errorMessage ?? run.outcome.log.at(-1) ?? "Error") : null;
    const application = this.world.applications[deployment.applicationId];
    if (application) application.applicationStatus = run.outcome.status;
  }

  contractReport(): ContractReport {
    return { ...summarizeExchanges(this.exchanges), faults: this.exchanges.filter((e) => e.fault).length };
  }

  #webhook(token: string, req: TwinRequest): { status: number; body: unknown } {
    return webhookAnswer(this, token, req);
  }

  #drawFault(procedure: string): DrawnFault | null {
    const index = this.#queued.findIndex((q) => q.procedure === undefined || q.procedure === procedure);
    if (index >= 0) {
      const [queued] = this.#queued.splice(index, 1);
      if (queued) return { kind: queued.kind, status: queued.status ?? 503 };
    }
    return this.#schedule?.draw(procedure) ?? null;
  }

  async #handle(req: TwinRequest): Promise<TwinResponse> {
    this.progress();
    const exchange: Exchange = {
      operationId: null,
      method: req.method,
      path: req.url.pathname,
      status: 0,
      violations: [],
    };
    this.exchanges.push(exchange);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}): TwinResponse => {
      exchange.status = status;
      return body === undefined
        ? { status, headers }
        : { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
    };
    const webhook = /^\/api\/deploy\/([^/]+)$/.exec(req.url.pathname);
    if (webhook && req.method === "POST") {
      exchange.operationId = "webhook-deploy";
      const result = this.#webhook(decodeURIComponent(webhook[1] ?? ""), req);
      // Not in the OpenAPI: PROVIDERS.md §1 "Webhook" documents every answer as `{message}`.
      if (typeof (result.body as { message?: unknown }).message !== "string")
        exchange.violations.push("response: the deploy webhook answers {message}");
      return answer(result.status, result.body);
    }
    const procedure = req.url.pathname.startsWith("/api/") ? req.url.pathname.slice("/api/".length) : null;

    // PROVIDERS.md §1: a missing or invalid key is refused before tRPC, with no code.
    const apiKey = req.headers["x-api-key"];
    const key = typeof apiKey === "string" ? this.world.apiKeys[apiKey] : undefined;
    const contract = dokployContract();
    const matched = procedure === null ? undefined : contract.match(req.method, `/${procedure}`);
    if (!matched) {
      exchange.violations.push(
        `${req.method} ${req.url.pathname} matches no operation in Dokploy's description`,
      );
    } else {
      exchange.operationId = matched.operationId;
    }
    if (!key) return answer(401, { message: "Unauthorized" });
    exchange.caller = key.organizationId;
    if (!matched || procedure === null) {
      return answer(
        404,
        trpcBody(
          new TrpcError("NOT_FOUND", `No procedure found on path "${procedure ?? req.url.pathname}"`),
          procedure ?? "",
        ),
      );
    }
    const operationId = matched.operationId;
    const fail = (error: TrpcError) => answer(STATUS[error.code], trpcBody(error, procedure));

    if (req.method === "POST") {
      const type = String(req.headers["content-type"] ?? "");
      if (!type.startsWith("application/json")) {
        exchange.violations.push(`request: content-type ${type || "(none)"} is not application/json`);
        return fail(new TrpcError("UNSUPPORTED_MEDIA_TYPE", `Unsupported content-type "${type}"`));
      }
      if (req.jsonError) {
        exchange.violations.push(`request: body is not JSON (${req.jsonError})`);
        return fail(new TrpcError("PARSE_ERROR", "Failed to parse request body"));
      }
    }
    const requestProblems = contract.validateRequest(operationId, {
      params: {},
      query: req.url.searchParams,
      body: req.json,
      hasBody: req.raw.length > 0,
    });
    if (requestProblems.length > 0) {
      // Dokploy answers zod failures 400; for us it is also a violation, because our clients must never send one.
      exchange.violations.push(...requestProblems.map((p) => `request: ${p}`));
      return fail(
        new TrpcError(
          "BAD_REQUEST",
          "Input validation failed",
          requestProblems.map((message) => ({ message })),
        ),
      );
    }

    const fault = this.#drawFault(procedure);
    if (fault) exchange.fault = fault.kind;
    if (fault?.kind === "rate-limit") {
      const headers = { "retry-after": String(this.#retryAfter) };
      const body = { message: "Too Many Requests" };
      exchange.violations.push(...validateFaultResponse(429, body, headers));
      return answer(429, body, headers);
    }
    if (fault?.kind === "server-error") {
      const status = fault.status ?? 503;
      const body = {
        message:
          status === 502 ? "Bad Gateway" : status === 503 ? "Service Unavailable" : "Internal Server Error",
      };
      exchange.violations.push(...validateFaultResponse(status, body, {}));
      return answer(status, body);
    }
    if (fault?.kind === "timeout") {
      // The request hangs and nothing is applied; the socket dies after the hold, as behind a proxy's timeout.
      await sleep(this.#holdMs);
      exchange.status = 0;
      return { status: 0, drop: { afterMs: 0 } };
    }

    let status = 200;
    let body: unknown;
    const handler = this.#handlers[operationId];
    try {
      if (!handler) throw new TrpcError("NOT_FOUND", `the twin does not implement ${procedure} yet`);
      body = await handler({
        twin: this,
        world: this.world,
        procedure,
        body: (req.json && typeof req.json === "object" ? req.json : {}) as Record<string, unknown>,
        query: req.url.searchParams,
        organizationId: key.organizationId,
      });
    } catch (error) {
      if (!(error instanceof TrpcError)) throw error;
      body = trpcBody(error, procedure);
      status = STATUS[error.code];
    }
    const responseProblems = validateDokployResponse(operationId, status, body);
    if (responseProblems.length > 0) {
      exchange.violations.push(...responseProblems.map((p) => `response: ${p}`));
      if (this.#strict) {
        return fail(
          new TrpcError(
            "INTERNAL_SERVER_ERROR",
            `twin contract violation in ${procedure}: ${responseProblems.join("; ")}`,
          ),
        );
      }
    }
    if (fault?.kind === "lost-response") {
      // The change is committed; the client never hears back.
      exchange.status = 0;
      return { status: 0, drop: { afterMs: 0 } };
    }
    return answer(status, body);
  }
}

/**
 * The deploy webhook (PROVIDERS.md §1, "Webhook"; not in the OpenAPI): the refreshToken in the path is the
 * secret, no API key. A ping answers; a bare POST deploys the configured image.
 */
function webhookAnswer(
  twin: DokployTwin,
  token: string,
  req: TwinRequest,
): { status: number; body: unknown } {
  const application = Object.values(twin.world.applications).find((a) => a.refreshToken === token);
  if (!application) return { status: 404, body: { message: "Application Not Found" } };
  if (req.headers["x-github-event"] === "ping")
    return { status: 200, body: { message: "Ping received, webhook is active" } };
  if (!application.autoDeploy)
    return { status: 400, body: { message: "Automatic deployments are disabled for this application" } };
  startDeployment(twin, application, { title: "Deployment from webhook" });
  return { status: 200, body: { message: "Application deployed successfully" } };
}

function trpcBody(error: TrpcError, path: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    message: error.message,
    code: error.code,
    data: {
      code: error.code,
      httpStatus: STATUS[error.code],
      path,
      zodError: error.issues ? { formErrors: [], fieldErrors: {} } : null,
    },
  };
  if (error.issues) body.issues = error.issues;
  return body;
}
