// The lab's edge: what Dokploy's Traefik (or Cloudflare's CDN) is in production. One HTTPS server presenting a
// certificate per host from the sandbox CA (issued on first SNI, then cached) and one plain HTTP server, both
// reverse-proxying each request by its host to the app's local port.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import type { SandboxCa } from "./ca.ts";

export interface HttpsFrontOptions {
  ca: Pick<SandboxCa, "issue">;
  /** The app's local port for a host; undefined: no app serves it. */
  route: (host: string) => { port: number } | undefined;
}

export interface HttpsFront {
  httpsPort: number;
  httpPort: number;
  close(): Promise<void>;
}

export async function startHttpsFront(options: HttpsFrontOptions): Promise<HttpsFront> {
  const contexts = new Map<string, Promise<SecureContext>>();
  const contextFor = (host: string): Promise<SecureContext> => {
    let context = contexts.get(host);
    if (!context) {
      context = options.ca
        .issue([host])
        .then(({ certPem, keyPem }) => createSecureContext({ cert: certPem, key: keyPem }));
      // A failed issue must not poison the cache for the next handshake.
      context.catch(() => contexts.delete(host));
      contexts.set(host, context);
    }
    return context;
  };

  const proxy = (req: IncomingMessage, res: ServerResponse) => forward(req, res, options.route);
  const https = createHttpsServer(
    {
      SNICallback: (servername, callback) => {
        contextFor(servername.toLowerCase()).then(
          (context) => callback(null, context),
          (error: Error) => callback(error),
        );
      },
    },
    proxy,
  );
  const http = createHttpServer(proxy);
  await Promise.all([listen(https), listen(http)]);
  return {
    httpsPort: (https.address() as AddressInfo).port,
    httpPort: (http.address() as AddressInfo).port,
    async close() {
      await Promise.all([stop(https), stop(http)]);
    },
  };
}

function forward(req: IncomingMessage, res: ServerResponse, route: HttpsFrontOptions["route"]): void {
  const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
  const target = host ? route(host) : undefined;
  if (!target) {
    res.writeHead(host ? 404 : 421, { "content-type": "text/plain" });
    res.end(host ? `no application is routed for ${host}\n` : "a Host header is required\n");
    return;
  }
  const upstream = request(
    {
      host: "127.0.0.1",
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: false,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    res.writeHead(502, { "content-type": "text/plain" });
    res.end(`bad gateway: the application for ${host} did not answer (${error.message})\n`);
  });
  req.pipe(upstream);
}

function listen(server: import("node:net").Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
}

function stop(server: import("node:http").Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
