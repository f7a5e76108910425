// A loopback proxy in front of a twin that has no fault injection of its own (the GitHub twin): it forwards
// every request and, on a seeded schedule (mulberry32 from src/sandbox/faults.ts), answers 429 with
// Retry-After or 502 instead, or forwards and then destroys the socket before any response byte ("committed
// but the answer was lost"). It can also answer chosen requests itself without forwarding (a lying provider),
// and it records the wire both ways so a test can scan everything a client sent and received.
import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestContext } from "node:test";
import { type FaultKind, type FaultProbabilities, mulberry32, pickFault } from "../../src/sandbox/faults.ts";

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export interface FaultProxyOptions {
  /** The twin's base URL. */
  target: string;
  faults?: FaultProbabilities & { seed: number; retryAfterSeconds?: number; maxFaults?: number };
  /** Answer this request here, without forwarding (undefined: forward it). */
  override?: (req: ProxiedRequest) => { status: number; body?: unknown } | undefined;
}

export interface WireRecord extends ProxiedRequest {
  status: number;
  responseBody: string;
  fault?: FaultKind;
}

export interface FaultProxy {
  url: string;
  faultLog: { kind: FaultKind; method: string; path: string }[];
  wire: WireRecord[];
}

export async function startFaultProxy(t: TestContext, options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const draw = mulberry32(options.faults?.seed ?? 1);
  const proxy: FaultProxy = { url: "", faultLog: [], wire: [] };

  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const seen: ProxiedRequest = { method: req.method ?? "GET", path: req.url ?? "/", body: body.toString() };
    const record = (status: number, responseBody: string, fault?: FaultKind) =>
      proxy.wire.push({ ...seen, status, responseBody, ...(fault ? { fault } : {}) });

    const overridden = options.override?.(seen);
    if (overridden) {
      const text = overridden.body === undefined ? "" : JSON.stringify(overridden.body);
      record(overridden.status, text);
      res.writeHead(overridden.status, text ? { "content-type": "application/json; charset=utf-8" } : {});
      res.end(text);
      return;
    }

    const f = options.faults;
    const budgetLeft = f?.maxFaults === undefined || proxy.faultLog.length < f.maxFaults;
    const kind = f && budgetLeft ? pickFault(draw(), f) : null;
    if (kind) proxy.faultLog.push({ kind, method: seen.method, path: seen.path });
    if (kind === "rate-limit" || kind === "server-error") {
      const status = kind === "rate-limit" ? 429 : 502;
      const text = JSON.stringify({
        message: kind === "rate-limit" ? "You have exceeded a secondary rate limit." : "Server Error",
        documentation_url: "https://docs.github.com/rest",
      });
      record(status, text, kind);
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        ...(kind === "rate-limit" ? { "retry-after": String(f?.retryAfterSeconds ?? 0) } : {}),
      });
      res.end(text);
      return;
    }
    if (kind === "timeout") {
      // Never forwarded: held until the client gives up, then dropped.
      record(0, "", kind);
      setTimeout(() => req.socket.destroy(), 50);
      return;
    }

    const upstream = await forward(target, req, body);
    record(upstream.status, upstream.body.toString(), kind ?? undefined);
    if (kind === "lost-response") {
      // The twin applied it; the client never hears so.
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return proxy;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
  const headers = { ...req.headers, host: target.host };
  return new Promise((resolve, reject) => {
    const out = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (res) => {
        readAll(res).then((b) => {
          const kept: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            // The body is re-sent whole; hop-by-hop framing headers would no longer be true.
            if (v !== undefined && !["transfer-encoding", "connection", "keep-alive"].includes(k))
              kept[k] = v;
          }
          resolve({ status: res.statusCode ?? 502, headers: kept, body: b });
        }, reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}
