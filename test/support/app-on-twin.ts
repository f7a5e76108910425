// The App behind the real Probot server, registered and installed on a twin: an RSA key of its own, signed
// webhooks to its URL, and Probot's Octokit pointed at the twin (without the write spacing GitHub needs).
import { generateKeyPairSync } from "node:crypto";
import type { TestContext } from "node:test";
import type { ApplicationFunction, Probot } from "probot";
import { startAppServer } from "../../src/app/server.ts";
import type { App, Installation, PermissionLevel } from "../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { addApp, installApp } from "../../src/sandbox/github/world.ts";
import { SANDBOX_OCTOKIT } from "../../src/sandbox/sandbox.ts";

export const WEBHOOK_SECRET = "test-webhook-secret";

export async function installAppOnTwin(
  t: TestContext,
  twin: GithubTwin,
  options: {
    app: ApplicationFunction;
    account: string;
    repositories: string[];
    permissions: Record<string, PermissionLevel>;
    events: string[];
    senderLogin?: string;
  },
): Promise<{ app: App; installation: Installation; webhookUrl: string; probot: Probot }> {
  const { publicKey, privateKey } = appKeys();
  const app = addApp(twin, {
    slug: "devops-agent",
    ownerLogin: options.account,
    publicKeyPem: publicKey,
    webhookSecret: WEBHOOK_SECRET,
    permissions: options.permissions,
    events: options.events,
  });
  const server = await startAppServer({
    appId: app.id,
    privateKey,
    webhookSecret: WEBHOOK_SECRET,
    baseUrl: twin.url,
    app: options.app,
    Octokit: SANDBOX_OCTOKIT,
  });
  // Registered after the twin harness, so it runs first: Probot stops before the twin settles and closes.
  t.after(() => server.close());
  app.webhookUrl = server.webhookUrl;
  const installation = installApp(twin, {
    appId: app.id,
    account: options.account,
    repositories: options.repositories,
    ...(options.senderLogin ? { senderLogin: options.senderLogin } : {}),
  });
  return { app, installation, webhookUrl: server.webhookUrl, probot: server.probot };
}

let cachedKeys: { publicKey: string; privateKey: string } | undefined;
/** One RSA key per test process: generating one per test costs more than the test. */
function appKeys(): { publicKey: string; privateKey: string } {
  cachedKeys ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return cachedKeys;
}
