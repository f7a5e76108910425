// The three real providers an apply of the sample plan needs, built from plain settings (URLs, keys, tokens) the
// way a fresh Action process builds them (action/providers.ts). Kept apart from the twins so a child process
// (apply-child.ts) can build them without loading any twin.
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { Octokit } from "@octokit/rest";
import type { Plan } from "../../src/plan/types.ts";
import { CloudflareProvider } from "../../src/providers/cloudflare/index.ts";
import { DokployProvider } from "../../src/providers/dokploy/index.ts";
import { GithubSecretsProvider } from "../../src/providers/github/index.ts";
import type { Provider } from "../../src/providers/types.ts";

export const OWNER = "acme";
export const REPO = "hello-service";
export const ENVIRONMENT = "production";
export const ZONE = "example.com";

/** The Environment secrets the Dokploy steps read by name (registry password, app secrets). */
export const SECRETS: Record<string, string> = {
  GHCR_PULL_TOKEN: "ghp_pullTokenValue0123456789abcdefXYZ",
  SESSION_KEY: "session-key-value-7f3a9c",
  DATABASE_URL: "postgres://app:p4ssw0rd-hidden@db:5432/app",
};

const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** What a provider process needs to reach the world: the same settings a restarted run is built from. */
export interface WorldSettings {
  dokploy: { url: string; apiKey: string };
  cloudflare: { baseURL: string; token: string };
  github: { url: string; token: string };
}

export interface ProviderTuning {
  /** Find-then-write rounds / tries per request; 1 makes a provider give up at the first lost answer. */
  attempts?: number;
  /** Every provider wait goes through it (backoff, deploy polling). */
  sleep?: (ms: number) => Promise<void>;
  pollIntervalMs?: number;
}

/** The three real providers, exactly as a fresh Action process builds them (action/providers.ts). */
export function makeProviders(settings: WorldSettings, plan: Plan, tuning: ProviderTuning = {}): Provider[] {
  const sleep = tuning.sleep ?? ((ms: number) => delay(ms));
  const attempts = tuning.attempts ?? 6;
  const dokploy = new DokployProvider({
    url: settings.dokploy.url,
    apiKey: settings.dokploy.apiKey,
    secrets: (name) => SECRETS[name],
    sleep,
    backoffMs: 1,
    pollIntervalMs: tuning.pollIntervalMs ?? 500,
    timeoutMs: 5000,
    attempts,
  });
  const cloudflare = new CloudflareProvider({
    apiToken: settings.cloudflare.token,
    baseURL: settings.cloudflare.baseURL,
    // The SDK's own retries would hide a lost answer from the provider's find-first loop; `attempts` decides.
    maxRetries: 0,
    timeout: 5000,
    attempts,
  });
  const application = plan.steps.find((s) => s.action === "application.ensure")?.target;
  assert.ok(application, "the plan has an application");
  const github = new GithubSecretsProvider({
    octokit: new Octokit({
      auth: settings.github.token,
      baseUrl: settings.github.url,
      request: { retries: 0 },
      log: quietLog,
    }),
    owner: OWNER,
    repo: REPO,
    values: async (valueFrom) => {
      assert.equal(valueFrom, "dokploy.application.refreshToken");
      return dokploy.deployToken(application);
    },
    retry: { attempts, sleep },
  });
  return [dokploy, cloudflare, github];
}
