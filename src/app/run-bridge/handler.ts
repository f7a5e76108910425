// The run bridge over HTTP: POST /api/devops-agent/{plan-report,progress,token,doctor}, each authenticated by the
// caller's Actions OIDC token (verify.ts) and validated with the shared zod schemas (src/bridge/protocol.ts).
// It is a Probot handler: it answers the bridge's paths and passes everything else on (returns false).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";
import type { z } from "zod";
import {
  BRIDGE_PATHS,
  BRIDGE_PREFIX,
  describeIssue,
  doctorRequestSchema,
  MAX_BODY_BYTES,
  planReportRequestSchema,
  progressRequestSchema,
  tokenRequestSchema,
} from "../../bridge/protocol.ts";
import type { Clock } from "../../sandbox/clock.ts";
import type { AppIdentity, HandlerLog } from "../handlers/context.ts";
import type { GithubApi } from "../plan-store.ts";
import { handleDoctor } from "./doctor.ts";
import { handlePlanReport } from "./plan-report.ts";
import { handleProgress } from "./progress.ts";
import { handleToken } from "./token.ts";
import { type BridgeCaller, BridgeRefusal, createCallerVerifier, GITHUB_OIDC_ISSUER } from "./verify.ts";

export interface RunBridgeOptions {
  /** The Actions OIDC issuer; GitHub's by default, the twin's in the sandbox. */
  oidcIssuer?: string;
  /** The App's public URL, the audience its callers' ID tokens must carry (its origin). */
  publicUrl: string | (() => string);
  /** Verification time, for tests of expiry. */
  clock?: Clock;
}

export type BridgeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export function createRunBridgeHandler(probot: Probot, options: RunBridgeOptions): BridgeHandler {
  const appOctokit = async () => (await probot.auth()) as unknown as GithubApi;
  const verify = createCallerVerifier({
    issuer: options.oidcIssuer ?? GITHUB_OIDC_ISSUER,
    audience: () => {
      const url = typeof options.publicUrl === "function" ? options.publicUrl() : options.publicUrl;
      return new URL(url).origin;
    },
    appOctokit,
    installationOctokit: async (id) => (await probot.auth(id)) as unknown as GithubApi,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const identity = appIdentity(appOctokit);
  const log: HandlerLog = {
    info: (message) => probot.log.info(`run bridge: ${message}`),
    warn: (message) => probot.log.warn(`run bridge: ${message}`),
  };

  const routes: Record<string, (caller: BridgeCaller, raw: unknown) => Promise<unknown>> = {
    [BRIDGE_PATHS.planReport]: async (caller, raw) =>
      handlePlanReport({ caller, app: await identity(), body: parse(planReportRequestSchema, raw), log }),
    [BRIDGE_PATHS.progress]: async (caller, raw) =>
      handleProgress({ caller, app: await identity(), body: parse(progressRequestSchema, raw), log }),
    [BRIDGE_PATHS.token]: async (caller, raw) =>
      handleToken({ caller, appOctokit: await appOctokit(), body: parse(tokenRequestSchema, raw), log }),
    [BRIDGE_PATHS.doctor]: async (caller, raw) =>
      handleDoctor({ caller, body: parse(doctorRequestSchema, raw), log }),
  };

  return async (req, res) => {
    const path = new URL(req.url ?? "/", "http://bridge").pathname;
    if (!path.startsWith(BRIDGE_PREFIX)) return false;
    const route = routes[path];
    try {
      if (!route) throw new BridgeRefusal(404, `no such run bridge endpoint: ${path}`);
      if (req.method !== "POST") throw new BridgeRefusal(405, `${path} accepts POST only`);
      const raw = await readJson(req);
      const caller = await verify(req.headers.authorization);
      send(res, 200, await route(caller, raw));
    } catch (error) {
      if (error instanceof BridgeRefusal) {
        log.warn(`refused ${req.method} ${path}: ${error.message}`);
        send(res, error.status, { message: error.message });
      } else {
        probot.log.error(error as Error, `run bridge: ${path} failed`);
        send(res, 500, { message: "the App failed to handle this request; see its log" });
      }
    }
    return true;
  };
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) throw new BridgeRefusal(400, `invalid body: ${describeIssue(result.error)}`);
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new BridgeRefusal(415, "the body must be JSON (content-type: application/json)");
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw new BridgeRefusal(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw new BridgeRefusal(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BridgeRefusal(400, "invalid body: not JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function appIdentity(appOctokit: () => Promise<GithubApi>): () => Promise<AppIdentity> {
  let pending: Promise<AppIdentity> | undefined;
  return () => {
    pending ??= (async () => {
      const { data } = await (await appOctokit()).rest.apps.getAuthenticated();
      if (!data) throw new Error("GET /app answered without the App");
      return { id: data.id, slug: data.slug ?? "devops-agent" };
    })();
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
}
