// The Cloudflare twin: an HTTP server with real state that speaks the subset of Cloudflare's API v4 the Action
// uses (zones, DNS records, token verification), answering in Cloudflare's envelope with its error codes,
// paging and rate-limit headers (PROVIDERS.md §2). Every exchange is checked against Cloudflare's own
// description (contract.ts), fail-closed: in strict mode a response that breaks it is answered 500.
import { type Clock, systemClock } from "../clock.ts";
import { type Exchange, type ExchangeSummary, summarizeExchanges } from "../exchanges.ts";
import { listen, type RunningServer, type TwinRequest, type TwinResponse } from "../http.ts";
import { cloudflareContract } from "./contract.ts";
import { type FaultKind, type FaultOptions, FaultSchedule } from "./faults.ts";
import {
  type CloudflareToken,
  type CloudflareWorld,
  DEFAULT_SSL,
  type DnsRecord,
  emptyCloudflareWorld,
  SSL_MODES,
  type SslMode,
  type TokenScope,
  type Zone,
} from "./state.ts";
import { fqdn, hexId } from "./world.ts";

export interface CloudflareError {
  code: number;
  message: string;
  error_chain?: { code: number; message: string }[];
}

export class CloudflareApiError extends Error {
  readonly status: number;
  readonly errors: CloudflareError[];
  constructor(status: number, errors: CloudflareError[]) {
    super(errors.map((e) => `${e.code} ${e.message}`).join("; "));
    this.status = status;
    this.errors = errors;
  }
}

const fail = (status: number, code: number, message: string): CloudflareApiError =>
  new CloudflareApiError(status, [{ code, message }]);

export interface HandlerContext {
  twin: CloudflareTwin;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  token: CloudflareToken;
}
export type Handler = (ctx: HandlerContext) => TwinResponse;
export type HandlerTable = Record<string, Handler>;

export type { Exchange };

export interface ContractReport extends ExchangeSummary {
  /** Exchanges whose answer was replaced by an injected fault (429, 5xx, timeout): not held to the description. */
  faults: number;
}

export interface CloudflareTwinOptions {
  clock?: Clock;
  /** Strict (default): a response that fails validation is answered 500 and recorded. */
  strict?: boolean;
  /** Off by default. */
  faults?: FaultOptions;
  /** Replaces handlers by operation id (canaries use it to break a response on purpose). */
  handlers?: HandlerTable;
  /** Rate limit per token: requests per window (default 1200 per 300 s, PROVIDERS.md). */
  rateLimit?: { quota: number; windowSeconds: number };
}

const RATE_LIMITED: CloudflareError = {
  // The message Cloudflare sends with a 429 (reported in tiredofit/docker-traefik-cloudflare-companion#69).
  code: 10000,
  message: "Rate limited. Please wait and consider throttling your request speed",
};

export class CloudflareTwin {
  readonly clock: Clock;
  world: CloudflareWorld = emptyCloudflareWorld();
  readonly exchanges: Exchange[] = [];
  readonly #strict: boolean;
  readonly #faults: FaultSchedule | undefined;
  readonly #handlers: HandlerTable;
  readonly #rate: { quota: number; windowSeconds: number };
  /** Per caller: window start (ms), count, and blocked-until (ms) after the quota was exceeded. */
  readonly #buckets = new Map<string, { start: number; count: number; blockedUntil: number }>();
  #server: RunningServer | undefined;

  constructor(options: CloudflareTwinOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#strict = options.strict ?? true;
    this.#faults = options.faults ? new FaultSchedule(options.faults) : undefined;
    this.#handlers = { ...defaultHandlers, ...options.handlers };
    this.#rate = options.rateLimit ?? { quota: 1200, windowSeconds: 300 };
  }

  get url(): string {
    if (!this.#server) throw new Error("twin not started");
    return this.#server.url;
  }

  /** The base URL to hand the `cloudflare` SDK (`baseURL`), like https://api.cloudflare.com/client/v4. */
  get baseURL(): string {
    return `${this.url}/client/v4`;
  }

  async start(options: { port?: number } = {}): Promise<this> {
    this.#server = await listen((req) => this.#handle(req), options);
    return this;
  }

  async close(): Promise<void> {
    await this.#server?.close();
  }

  /** Cloudflare writes timestamps with fractional seconds. */
  now(): string {
    return this.clock.now().toISOString();
  }

  contractReport(): ContractReport {
    const faulted = (e: Exchange) => e.fault !== undefined && e.fault !== "lost-response";
    const held = this.exchanges.filter((e) => !faulted(e));
    return { ...summarizeExchanges(held), faults: this.exchanges.length - held.length };
  }

  /** Injected faults in order, for replay assertions. */
  faultLog(): { method: string; path: string; fault: FaultKind }[] {
    return this.exchanges.flatMap((e) =>
      e.fault ? [{ method: e.method, path: e.path, fault: e.fault }] : [],
    );
  }

  async #handle(req: TwinRequest): Promise<TwinResponse> {
    const { request: requestContract, response: responseContract } = cloudflareContract();
    const prefix = "/client/v4";
    const pathname = req.url.pathname.startsWith(prefix)
      ? req.url.pathname.slice(prefix.length)
      : req.url.pathname;
    const matched = responseContract.match(req.method, pathname.replace(/\/+$/, "") || "/");
    const exchange: Exchange = {
      operationId: matched?.operationId ?? null,
      method: req.method,
      path: req.url.pathname,
      status: 0,
      violations: [],
    };
    this.exchanges.push(exchange);
    const headers = (bucket: string): Record<string, string> => this.#rateHeaders(bucket);
    if (!matched) {
      exchange.violations.push(
        `${req.method} ${req.url.pathname} matches no operation in Cloudflare's description`,
      );
      exchange.status = 404;
      return envelopeError(fail(404, 7000, "No route for that URI"));
    }
    const bucket = bearer(req.headers.authorization) ?? `ip:${req.headers.host ?? ""}`;
    const limited = this.#consume(bucket);
    if (limited) {
      exchange.status = 429;
      return this.#finish(exchange, matched.operationId, {
        ...envelopeError(new CloudflareApiError(429, [RATE_LIMITED])),
        headers: { ...headers(bucket), "retry-after": String(limited) },
      });
    }
    const fault = this.#faults?.draw(matched.operationId) ?? null;
    if (fault) exchange.fault = fault;
    if (fault === "rate-limit") {
      exchange.status = 429;
      const retryAfter = this.#faults?.options.retryAfterSeconds ?? 1;
      return {
        ...envelopeError(new CloudflareApiError(429, [RATE_LIMITED])),
        headers: { ...headers(bucket), "retry-after": String(retryAfter) },
      };
    }
    if (fault === "server-error") {
      exchange.status = 502;
      return {
        status: 502,
        headers: { "content-type": "text/html" },
        body: "<html><body>502 Bad Gateway</body></html>",
      };
    }
    if (fault === "timeout") {
      exchange.status = 0;
      return { status: 0, drop: { afterMs: this.#faults?.options.holdMs ?? 2000 } };
    }

    let response: TwinResponse;
    const requestProblems = req.jsonError
      ? [`request body is not JSON: ${req.jsonError}`]
      : requestContract.validateRequest(matched.operationId, {
          params: matched.params,
          query: req.url.searchParams,
          body: req.json,
          hasBody: req.raw.length > 0,
        });
    if (requestProblems.length > 0) {
      exchange.violations.push(...requestProblems.map((p) => `request: ${p}`));
      // Cloudflare answers 400 with a 9xxx validation code; our clients must never send such a request.
      response = envelopeError(
        new CloudflareApiError(
          400,
          requestProblems.slice(0, 5).map((message) => ({ code: 9207, message })),
        ),
      );
    } else {
      try {
        const token = this.#authenticate(req.headers.authorization);
        exchange.caller = token.id;
        const handler = this.#handlers[matched.operationId];
        if (!handler) throw fail(400, 7000, `the twin does not implement ${matched.operationId}`);
        response = handler({
          twin: this,
          params: matched.params,
          query: req.url.searchParams,
          body: (req.json && typeof req.json === "object" ? req.json : {}) as Record<string, unknown>,
          token,
        });
      } catch (error) {
        if (!(error instanceof CloudflareApiError)) throw error;
        response = envelopeError(error);
      }
    }
    response = this.#finish(exchange, matched.operationId, response);
    response = { ...response, headers: { ...headers(bucket), ...response.headers } };
    if (fault === "lost-response") return { status: 0, drop: { afterMs: 0 } };
    return response;
  }

  #finish(exchange: Exchange, operationId: string, response: TwinResponse): TwinResponse {
    const problems = cloudflareContract().response.validateResponse(
      operationId,
      response.status,
      response.body,
      response.headers?.["content-type"] ?? "application/json",
    );
    exchange.status = response.status;
    if (problems.length === 0) return response;
    exchange.violations.push(...problems.map((p) => `response: ${p}`));
    if (!this.#strict) return response;
    return {
      status: 500,
      body: {
        success: false,
        errors: [
          { code: 1000, message: `twin contract violation in ${operationId}: ${problems.join("; ")}` },
        ],
        messages: [],
        result: null,
      },
    };
  }

  /** Returns the Retry-After seconds when the caller is over its quota, else counts the request. */
  #consume(bucket: string): number | null {
    const now = this.clock.now().getTime();
    const windowMs = this.#rate.windowSeconds * 1000;
    let state = this.#buckets.get(bucket);
    if (!state || now - state.start >= windowMs) {
      state = { start: now, count: 0, blockedUntil: state?.blockedUntil ?? 0 };
      this.#buckets.set(bucket, state);
    }
    if (now < state.blockedUntil) return Math.ceil((state.blockedUntil - now) / 1000);
    state.count++;
    if (state.count <= this.#rate.quota) return null;
    // Exceeding the quota blocks every call for the whole window (PROVIDERS.md: "blocked for 5 minutes").
    state.blockedUntil = now + windowMs;
    return this.#rate.windowSeconds;
  }

  #rateHeaders(bucket: string): Record<string, string> {
    const state = this.#buckets.get(bucket);
    const now = this.clock.now().getTime();
    const remaining = Math.max(0, this.#rate.quota - (state?.count ?? 0));
    const reset = state
      ? Math.max(0, Math.ceil((state.start + this.#rate.windowSeconds * 1000 - now) / 1000))
      : this.#rate.windowSeconds;
    return {
      ratelimit: `"default";r=${remaining};t=${reset}`,
      "ratelimit-policy": `"burst";q=${this.#rate.quota};w=${this.#rate.windowSeconds}`,
    };
  }

  #authenticate(header: string | undefined): CloudflareToken {
    if (!header) throw fail(401, 10000, "Authentication error");
    const value = bearer(header);
    if (!value) {
      throw new CloudflareApiError(400, [
        {
          code: 6003,
          message: "Invalid request headers",
          error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }],
        },
      ]);
    }
    const token = this.world.tokens[value];
    if (token?.status !== "active") throw fail(401, 9109, "Invalid access token");
    return token;
  }
}

function bearer(header: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header ?? "")?.[1];
}

function envelopeError(error: CloudflareApiError): TwinResponse {
  return { status: error.status, body: { success: false, errors: error.errors, messages: [], result: null } };
}

function ok(
  result: unknown,
  resultInfo?: Record<string, number>,
  messages: CloudflareError[] = [],
): TwinResponse {
  return {
    status: 200,
    body: { success: true, errors: [], messages, result, ...(resultInfo ? { result_info: resultInfo } : {}) },
  };
}

// ---- authorization --------------------------------------------------------------------------------------

function canSee(token: CloudflareToken, zone: Zone): boolean {
  return token.zoneIds === undefined || token.zoneIds.includes(zone.id);
}

/** A zone the token may use with one of `scopes`; a zone it cannot see is reported like an unknown one. */
function zoneFor(ctx: HandlerContext, scopes: TokenScope[]): Zone {
  const id = ctx.params.zone_id ?? "";
  if (!/^[0-9a-f]{32}$/.test(id))
    throw fail(400, 7003, "Could not route to /zones, perhaps your object identifier is invalid?");
  const zone = ctx.twin.world.zones[id];
  if (!zone || !canSee(ctx.token, zone))
    throw fail(404, 7003, "Could not route to /zones, perhaps your object identifier is invalid?");
  if (!scopes.some((s) => ctx.token.scopes.includes(s))) throw fail(403, 10000, "Authentication error");
  return zone;
}

const READ_ZONE: TokenScope[] = ["zone:read", "dns:read", "dns:edit"];
const READ_DNS: TokenScope[] = ["dns:read", "dns:edit"];
const EDIT_DNS: TokenScope[] = ["dns:edit"];
const READ_SETTINGS: TokenScope[] = ["zone_settings:read", "zone_settings:edit"];
const EDIT_SETTINGS: TokenScope[] = ["zone_settings:edit"];

// ---- serialization --------------------------------------------------------------------------------------

function zoneJson(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    name: zone.name,
    status: zone.status,
    paused: false,
    type: "full",
    development_mode: 0,
    name_servers: zone.nameServers,
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    created_on: zone.createdOn,
    modified_on: zone.modifiedOn,
    activated_on: zone.createdOn,
    meta: { step: 4, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: zone.account.id, type: "organization", name: zone.account.name },
    account: zone.account,
    permissions: ["#dns_records:edit", "#dns_records:read", "#zone:read"],
    plan: {
      id: "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
      name: "Free Website",
      price: 0,
      currency: "USD",
      frequency: "",
      is_subscribed: false,
      can_subscribe: false,
      legacy_id: "free",
      legacy_discount: false,
      externally_managed: false,
    },
  };
}

function sslJson(zone: Zone): Record<string, unknown> {
  return {
    id: "ssl",
    value: zone.ssl?.value ?? DEFAULT_SSL,
    editable: true,
    modified_on: zone.ssl?.modifiedOn ?? null,
  };
}

const PROXIABLE = new Set(["A", "AAAA", "CNAME"]);

function recordJson(record: DnsRecord, zone: Zone): Record<string, unknown> {
  return {
    id: record.id,
    zone_id: zone.id,
    zone_name: zone.name,
    name: record.name,
    type: record.type,
    content: record.content,
    proxiable: PROXIABLE.has(record.type),
    proxied: record.proxied,
    ttl: record.ttl,
    locked: false,
    meta: { auto_added: false, managed_by_apps: false, managed_by_argo_tunnel: false, source: "primary" },
    ...(record.comment !== null ? { comment: record.comment } : {}),
    tags: record.tags,
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
  };
}

// ---- paging ---------------------------------------------------------------------------------------------

function paged<T>(
  items: T[],
  query: URLSearchParams,
  defaults: { perPage: number },
): { slice: T[]; info: Record<string, number> } {
  const page = Math.max(1, Math.floor(Number(query.get("page") ?? 1)));
  const perPage = Math.max(1, Math.floor(Number(query.get("per_page") ?? defaults.perPage)));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    slice,
    info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
  };
}

// ---- DNS record rules -----------------------------------------------------------------------------------

interface RecordInput {
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
}

function recordInput(body: Record<string, unknown>, zone: Zone, base?: DnsRecord): RecordInput {
  const type = String(body.type ?? base?.type ?? "").toUpperCase();
  const input: RecordInput = {
    type,
    name: fqdn(String(body.name ?? base?.name ?? ""), zone.name),
    content: String(body.content ?? base?.content ?? ""),
    proxied: typeof body.proxied === "boolean" ? body.proxied : (base?.proxied ?? false),
    ttl: typeof body.ttl === "number" ? body.ttl : (base?.ttl ?? 1),
    comment:
      typeof body.comment === "string"
        ? body.comment
        : body.comment === null
          ? null
          : (base?.comment ?? null),
    tags: Array.isArray(body.tags) ? body.tags.map(String) : (base?.tags ?? []),
  };
  if (input.proxied && !PROXIABLE.has(type)) throw fail(400, 9004, "This record type cannot be proxied.");
  if (input.ttl !== 1 && (input.ttl < 60 || input.ttl > 86400)) {
    throw fail(400, 9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.");
  }
  if (type === "CNAME" && input.content.toLowerCase().replace(/\.$/, "") === input.name) {
    throw fail(400, 9039, "CNAME content cannot reference itself.");
  }
  for (const tag of input.tags) {
    if (!/^[A-Za-z0-9_-]+(:.*)?$/.test(tag)) throw fail(400, 9009, `Invalid tag '${tag}'.`);
  }
  return input;
}

/** Cloudflare's conflict rules; codes and messages as PROVIDERS.md §2 documents them. */
function checkConflicts(zoneRecords: DnsRecord[], input: RecordInput, selfId?: string): void {
  const sameName = zoneRecords.filter((r) => r.id !== selfId && r.name === input.name);
  if (
    sameName.some((r) => r.type === input.type && r.content.toLowerCase() === input.content.toLowerCase())
  ) {
    throw fail(400, 81058, "An identical record already exists.");
  }
  const addressOrCname = new Set(["A", "AAAA", "CNAME"]);
  if (input.type === "CNAME" && sameName.some((r) => r.type === "CNAME")) {
    // A name holds at most one CNAME: another CNAME with other content is "the record" already there.
    throw fail(400, 81057, "The record already exists.");
  }
  if (
    addressOrCname.has(input.type) &&
    sameName.some((r) => addressOrCname.has(r.type) && (r.type === "CNAME") !== (input.type === "CNAME"))
  ) {
    throw fail(400, 81053, "An A, AAAA, or CNAME record with that host already exists.");
  }
}

function recordIn(ctx: HandlerContext, zone: Zone): DnsRecord {
  const id = ctx.params.dns_record_id ?? "";
  const record = ctx.twin.world.records[zone.id]?.find((r) => r.id === id);
  if (!record) throw fail(404, 81044, "Record does not exist.");
  return record;
}

// ---- list filters ---------------------------------------------------------------------------------------

function recordFilters(query: URLSearchParams, zone: Zone): ((r: DnsRecord) => boolean)[] {
  const lc = (s: string) => s.toLowerCase();
  const filters: ((r: DnsRecord) => boolean)[] = [];
  const type = query.get("type");
  if (type) filters.push((r) => r.type === type.toUpperCase());
  const name = query.get("name") ?? query.get("name.exact");
  if (name) filters.push((r) => r.name === fqdn(name, zone.name));
  const content = query.get("content") ?? query.get("content.exact");
  if (content) filters.push((r) => lc(r.content) === lc(content));
  const proxied = query.get("proxied");
  if (proxied !== null) filters.push((r) => r.proxied === (proxied === "true"));
  const comment = query.get("comment") ?? query.get("comment.exact");
  if (comment) filters.push((r) => lc(r.comment ?? "") === lc(comment));
  if (query.has("comment.present")) filters.push((r) => r.comment !== null && r.comment !== "");
  if (query.has("comment.absent")) filters.push((r) => r.comment === null || r.comment === "");
  const tag = query.get("tag") ?? query.get("tag.exact") ?? query.get("tag.present");
  if (tag) {
    const wanted = lc(tag);
    filters.push((r) =>
      r.tags.some((t) => (wanted.includes(":") ? lc(t) === wanted : lc(t).split(":")[0] === wanted)),
    );
  }
  return filters;
}

const defaultHandlers: HandlerTable = {
  "user-api-tokens-verify-token": (ctx) =>
    ok({ id: ctx.token.id, status: ctx.token.status }, undefined, [
      { code: 10000, message: "This API Token is valid and active" },
    ]),

  "zones-get": (ctx) => {
    const name = ctx.query.get("name")?.toLowerCase().replace(/\.$/, "");
    const status = ctx.query.get("status");
    const accountId = ctx.query.get("account.id");
    const zones = Object.values(ctx.twin.world.zones)
      .filter((z) => canSee(ctx.token, z) && READ_ZONE.some((s) => ctx.token.scopes.includes(s)))
      .filter((z) => (name ? z.name === name : true))
      .filter((z) => (status ? z.status === status : true))
      .filter((z) => (accountId ? z.account.id === accountId : true))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { slice, info } = paged(zones, ctx.query, { perPage: 20 });
    return ok(slice.map(zoneJson), info);
  },

  "zones-0-get": (ctx) => ok(zoneJson(zoneFor(ctx, READ_ZONE))),

  "dns-records-for-a-zone-list-dns-records": (ctx) => {
    const zone = zoneFor(ctx, READ_DNS);
    const filters = recordFilters(ctx.query, zone);
    const any = ctx.query.get("match") === "any";
    let records = (ctx.twin.world.records[zone.id] ?? []).filter((r) =>
      filters.length === 0 ? true : any ? filters.some((f) => f(r)) : filters.every((f) => f(r)),
    );
    const order = ctx.query.get("order") as keyof DnsRecord | null;
    if (order && ["type", "name", "content", "ttl", "proxied"].includes(order)) {
      const sign = ctx.query.get("direction") === "desc" ? -1 : 1;
      records = [...records].sort((a, b) => sign * String(a[order]).localeCompare(String(b[order])));
    }
    const { slice, info } = paged(records, ctx.query, { perPage: 100 });
    return ok(
      slice.map((r) => recordJson(r, zone)),
      info,
    );
  },

  "dns-records-for-a-zone-create-dns-record": (ctx) => {
    const zone = zoneFor(ctx, EDIT_DNS);
    const input = recordInput(ctx.body, zone);
    const list = ctx.twin.world.records[zone.id] ?? [];
    checkConflicts(list, input);
    const now = ctx.twin.now();
    const record: DnsRecord = { id: hexId(), zoneId: zone.id, ...input, createdOn: now, modifiedOn: now };
    list.push(record);
    ctx.twin.world.records[zone.id] = list;
    return ok(recordJson(record, zone));
  },

  "dns-records-for-a-zone-dns-record-details": (ctx) => {
    const zone = zoneFor(ctx, READ_DNS);
    return ok(recordJson(recordIn(ctx, zone), zone));
  },

  "dns-records-for-a-zone-update-dns-record": (ctx) => {
    const zone = zoneFor(ctx, EDIT_DNS);
    const record = recordIn(ctx, zone);
    // PUT overwrites: what the body leaves out goes back to its default.
    const input = recordInput({ proxied: false, ttl: 1, comment: null, tags: [], ...ctx.body }, zone);
    checkConflicts(ctx.twin.world.records[zone.id] ?? [], input, record.id);
    Object.assign(record, input, { modifiedOn: ctx.twin.now() });
    return ok(recordJson(record, zone));
  },

  "dns-records-for-a-zone-patch-dns-record": (ctx) => {
    const zone = zoneFor(ctx, EDIT_DNS);
    const record = recordIn(ctx, zone);
    const input = recordInput(ctx.body, zone, record);
    checkConflicts(ctx.twin.world.records[zone.id] ?? [], input, record.id);
    Object.assign(record, input, { modifiedOn: ctx.twin.now() });
    return ok(recordJson(record, zone));
  },

  "zone-settings-get-ssl-setting": (ctx) => ok(sslJson(zoneFor(ctx, READ_SETTINGS))),

  "zone-settings-change-ssl-setting": (ctx) => {
    const zone = zoneFor(ctx, EDIT_SETTINGS);
    const value = ctx.body.value;
    // The contract already rejected other values; this keeps the state honest if it is run non-strict.
    if (!SSL_MODES.includes(value as SslMode)) throw fail(400, 1007, `Invalid value for zone setting ssl`);
    zone.ssl = { value: value as SslMode, modifiedOn: ctx.twin.now() };
    return ok(sslJson(zone));
  },

  "dns-records-for-a-zone-delete-dns-record": (ctx) => {
    const zone = zoneFor(ctx, EDIT_DNS);
    const record = recordIn(ctx, zone);
    const list = ctx.twin.world.records[zone.id] ?? [];
    list.splice(list.indexOf(record), 1);
    return ok({ id: record.id });
  },
};
