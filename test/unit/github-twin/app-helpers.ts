// A registered GitHub App with a real RSA key, installed on an account, and Octokit clients that authenticate
// as it the way Probot does (@octokit/auth-app: RS256 JWT, then installation tokens).
import { generateKeyPairSync } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import type { Installation, PermissionLevel } from "../../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { addApp, installApp } from "../../../src/sandbox/github/world.ts";

export interface TestApp {
  appId: number;
  installation: Installation;
  privateKey: string;
  /** Authenticated with the App's JWT. */
  asApp: Octokit;
  /** Authenticated with an installation token (all of the installation's repositories and permissions). */
  asInstallation: Octokit;
  /** A raw installation token, optionally narrowed. */
  token(options?: { repositoryNames?: string[]; permissions?: Record<string, string> }): Promise<string>;
}

const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export function setupApp(
  twin: GithubTwin,
  options: {
    slug: string;
    account: string;
    permissions: Record<string, PermissionLevel>;
    repositories?: "all" | string[];
  },
): TestApp {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const app = addApp(twin, {
    slug: options.slug,
    ownerLogin: options.account,
    publicKeyPem: publicKey,
    webhookSecret: "unused",
    permissions: { metadata: "read", ...options.permissions },
    events: [],
  });
  const installation = installApp(twin, {
    appId: app.id,
    account: options.account,
    repositories: options.repositories ?? "all",
  });
  const client = (installationId?: number) =>
    new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: app.id, privateKey, ...(installationId ? { installationId } : {}) },
      baseUrl: twin.url,
      request: { retries: 0 },
      log: quietLog,
    });
  const plain = new Octokit({ baseUrl: twin.url, request: { retries: 0 }, log: quietLog });
  const auth = createAppAuth({ appId: app.id, privateKey, request: plain.request });
  return {
    appId: app.id,
    installation,
    privateKey,
    asApp: client(),
    asInstallation: client(installation.id),
    token: async (narrow = {}) => {
      const result = await auth({
        type: "installation",
        installationId: installation.id,
        refresh: true,
        ...narrow,
      });
      return result.token;
    },
  };
}
