// Runs the App as GitHub reaches it: the real Probot (signature check, event routing, App JWT →
// installation token) behind a node:http server. Against the twin, `baseUrl` points Probot's Octokit at it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import {
  type ApplicationFunction,
  createNodeMiddleware,
  type Logger,
  Probot,
  type ProbotOctokit,
} from "probot";
import type { AppOptions } from "./handlers/context.ts";
import { withRunBridge } from "./run-bridge/index.ts";

export const WEBHOOKS_PATH = "/api/github/webhooks";

export interface AppServerOptions {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  /** GitHub's REST API root; the twin's URL in tests and offline runs. */
  baseUrl?: string;
  port?: number;
  host?: string;
  app: ApplicationFunction;
  /** Defaults to a silent logger, so tests stay quiet; pass pino for real output. */
  log?: Logger;
  Octokit?: typeof ProbotOctokit;
  /**
   * Serves the run bridge (POST /api/devops-agent/…, the Action's way back to the App) when set: its OIDC
   * issuer and the App's public URL (the server's own URL when absent).
   */
  bridge?: Pick<AppOptions, "oidcIssuer" | "publicUrl">;
}

export interface AppServer {
  url: string;
  webhookUrl: string;
  probot: Probot;
  close(): Promise<void>;
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const probot = new Probot({
    appId: options.appId,
    privateKey: options.privateKey,
    secret: options.webhookSecret,
    baseUrl: options.baseUrl,
    log: options.log ?? pino({ level: "silent" }),
    ...(options.Octokit ? { Octokit: options.Octokit } : {}),
  });
  let url = "";
  const bridge = options.bridge;
  const appFn = bridge
    ? withRunBridge(options.app, {
        ...(bridge.oidcIssuer ? { oidcIssuer: bridge.oidcIssuer } : {}),
        publicUrl: () => bridge.publicUrl ?? url,
      })
    : options.app;
  const middleware = await createNodeMiddleware(appFn, { probot, webhooksPath: WEBHOOKS_PATH });
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ message: "Not Found" }));
    });
  });
  server.keepAliveTimeout = 1000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  url = `http://${host}:${port}`;
  return {
    url,
    webhookUrl: `${url}${WEBHOOKS_PATH}`,
    probot,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
