// The shared provider contract against the GitHub twin, through @octokit/rest and a real installation token,
// plus what only GitHub has: the twin opens the sealed value, a rotated value is applied again, the token's
// reach, a stale public key, Retry-After, and no value on the wire. Faults come from a loopback proxy
// (test/support/fault-proxy.ts): the GitHub twin has no fault injection of its own.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, test } from "node:test";
import { Octokit } from "@octokit/rest";
import type { Step } from "../../src/plan/types.ts";
import {
  fingerprint,
  GithubSecretsProvider,
  type RetryOptions,
  variableName,
} from "../../src/providers/github/index.ts";
import { judge } from "../../src/providers/judge.ts";
import { ProviderError } from "../../src/providers/types.ts";
import { applyPlan, type UndoRecord } from "../../src/runner/apply.ts";
import { newSecretBox } from "../../src/sandbox/github/secret-box.ts";
import type { Repo } from "../../src/sandbox/github/state.ts";
import { createRepo } from "../../src/sandbox/github/world.ts";
import { type FaultProxyOptions, startFaultProxy } from "../support/fault-proxy.ts";
import { startGithubTwin } from "../support/github-twin.ts";
import { setupApp } from "../unit/github-twin/app-helpers.ts";
import {
  type ProviderFixture,
  planOf,
  providerContract,
  rollbackStep,
  type SetupOptions,
} from "./providers.contract.ts";

const OWNER = "octo";
const REPO = "hello";
const ENV = "production";
const VALUE_FROM = "dokploy.application.refreshToken";
const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function secretStep(n: number | null): Step {
  const name = n === null ? "DOKPLOY_DEPLOY_TOKEN" : `DOKPLOY_DEPLOY_TOKEN_${n}`;
  return {
    id: `github.actions-secret.set:${name}`,
    provider: "github",
    action: "actions-secret.set",
    target: name,
    risk: "create",
    desired: { name, environment: ENV, valueFrom: VALUE_FROM },
    undo: { action: "actions-secret.delete", state: { name, environment: ENV } },
  };
}

const nameOf = (step: Step) => (step.desired as { name: string }).name;

interface GithubSetup {
  fixture: ProviderFixture;
  provider: GithubSecretsProvider;
  /** The provider's own client: the run's token, through the proxy. */
  client: Octokit;
  repo: Repo;
  /** The token's value source: change `value` to rotate. */
  source: { value: string };
  waits: number[];
  proxy: Awaited<ReturnType<typeof startFaultProxy>>;
  twin: Awaited<ReturnType<typeof startGithubTwin>>["twin"];
  octokit: (token: string) => Octokit;
  app: ReturnType<typeof setupApp>;
}

async function githubSetup(
  t: TestContext,
  options: SetupOptions & { override?: FaultProxyOptions["override"]; retryAfterSeconds?: number } = {},
): Promise<GithubSetup> {
  const { twin, asUser, octokit } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: OWNER, name: REPO });
  createRepo(twin, { owner: OWNER, name: "other" });
  await asUser(OWNER).repos.createOrUpdateEnvironment({ owner: OWNER, repo: REPO, environment_name: ENV });
  await asUser(OWNER).repos.createOrUpdateEnvironment({ owner: OWNER, repo: "other", environment_name: ENV });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: OWNER,
    permissions: { environments: "write", secrets: "write", actions_variables: "write", contents: "write" },
  });
  // What the App hands the approved run: this repository only, an Environment's secrets and variables only.
  const token = await app.token({ repositoryNames: [REPO], permissions: { environments: "write" } });
  const proxy = await startFaultProxy(t, {
    target: twin.url,
    override:
      options.override ??
      (options.lying
        ? (r) =>
            r.method === "PUT" && r.path.includes(`/environments/${ENV}/secrets/`)
              ? { status: 201, body: {} }
              : undefined
        : undefined),
    faults: options.faults
      ? {
          seed: options.faults.seed,
          rateLimit: 0.2,
          serverError: 0.2,
          lostResponse: 0.2,
          retryAfterSeconds: 0,
        }
      : options.retryAfterSeconds !== undefined
        ? { seed: 1, rateLimit: 1, maxFaults: 1, retryAfterSeconds: options.retryAfterSeconds }
        : undefined,
  });
  const source = { value: `dkp_${randomBytes(24).toString("base64url")}` };
  const waits: number[] = [];
  const retry: RetryOptions = {
    // At 60% faults per request, a request needs many tries; waits are recorded, never slept.
    attempts: options.faults ? 20 : 5,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
  const client = new Octokit({ auth: token, baseUrl: proxy.url, request: { retries: 0 }, log: quietLog });
  const provider = new GithubSecretsProvider({
    octokit: client,
    owner: OWNER,
    repo: REPO,
    values: async (valueFrom) => {
      assert.equal(valueFrom, VALUE_FROM);
      return source.value;
    },
    retry,
    environment: ENV,
  });
  const secrets = () => repo.environments[ENV]?.secrets ?? {};
  const fixture: ProviderFixture = {
    provider,
    step: (n) => secretStep(n),
    seedForeign: (step) => {
      const now = twin.now();
      const name = nameOf(step);
      secrets()[name] = { name, value: "someone-elses-token", createdAt: now, updatedAt: now };
    },
    count: (step) => Object.keys(secrets()).filter((n) => n === nameOf(step).toUpperCase()).length,
    writes: () => twin.exchanges.filter((e) => e.method !== "GET").length,
    faults: () => proxy.faultLog.length,
    undoStep: rollbackStep,
  };
  return { fixture, provider, client, repo, source, waits, proxy, twin, octokit, app };
}

providerContract("github", async (t, options) => (await githubSetup(t, options)).fixture);

test("github: the twin opens exactly the runner's value; the variable holds only its fingerprint", async (t) => {
  const { provider, repo, source } = await githubSetup(t);
  const step = { ...secretStep(null), expected: null };
  assert.equal(judge(step, await provider.read(step)), "apply");
  const after = await provider.apply(step);
  assert.deepEqual(after, {
    exists: true,
    ours: true,
    state: { name: "DOKPLOY_DEPLOY_TOKEN", environment: ENV, valueFrom: VALUE_FROM },
  });
  const env = repo.environments[ENV];
  assert.equal(env?.secrets.DOKPLOY_DEPLOY_TOKEN?.value, source.value);
  assert.equal(env?.variables[variableName("DOKPLOY_DEPLOY_TOKEN")]?.value, fingerprint(source.value));
  assert.match(fingerprint(source.value), /^sha256:[0-9a-f]{16}$/);
  assert.deepEqual(repo.secrets, {}, "an Environment secret, not a repository secret (DESIGN rule 6)");
});

test("github: a rotated value reads as stale, is judged apply, and is sealed again with a new fingerprint", async (t) => {
  const { provider, repo, source, twin } = await githubSetup(t);
  const step = { ...secretStep(null), expected: null };
  await provider.apply(step);
  const old = fingerprint(source.value);
  source.value = `dkp_${randomBytes(24).toString("base64url")}`;
  const live = await provider.read(step);
  assert.deepEqual(live, {
    exists: true,
    ours: true,
    state: { name: "DOKPLOY_DEPLOY_TOKEN", environment: ENV, valueFrom: `stale:${old}` },
  });
  // The next plan run records what it read as expected; apply then replaces the value.
  const replan = { ...step, expected: live.state };
  assert.equal(judge(replan, live), "apply");
  const writes = twin.exchanges.filter((e) => e.method !== "GET").length;
  await provider.apply(replan);
  assert.ok(twin.exchanges.filter((e) => e.method !== "GET").length > writes);
  assert.equal(repo.environments[ENV]?.secrets.DOKPLOY_DEPLOY_TOKEN?.value, source.value);
  assert.equal(
    repo.environments[ENV]?.variables[variableName("DOKPLOY_DEPLOY_TOKEN")]?.value,
    fingerprint(source.value),
  );
  assert.equal(judge(replan, await provider.read(replan)), "skip");
});

test("github: the run's token reaches this repository's Environment only: another repository and contents are refused", async (t) => {
  const { provider, app, octokit, twin } = await githubSetup(t);
  const token = await app.token({ repositoryNames: [REPO], permissions: { environments: "write" } });
  const gh = octokit(token);
  const other = new GithubSecretsProvider({
    octokit: gh,
    owner: OWNER,
    repo: "other",
    values: async () => "x".repeat(24),
    retry: { attempts: 1 },
  });
  const step = { ...secretStep(null), expected: null };
  await assert.rejects(
    other.apply(step),
    (e) => e instanceof ProviderError && /^http-40[34]$/.test(e.reason),
  );
  assert.deepEqual(twin.repoByName(`${OWNER}/other`)?.environments[ENV]?.secrets, {});
  await assert.rejects(
    gh.repos.createOrUpdateFileContents({
      owner: OWNER,
      repo: REPO,
      path: "x.txt",
      message: "x",
      content: Buffer.from("x").toString("base64"),
    }),
    { status: 403 },
  );
  // And what it is for works.
  await provider.apply(step);
});

test("github: a token with only secrets + actions_variables cannot write an Environment's secret (the twin wants environments)", async (t) => {
  const { app, octokit } = await githubSetup(t);
  const token = await app.token({
    repositoryNames: [REPO],
    permissions: { secrets: "write", actions_variables: "write" },
  });
  const provider = new GithubSecretsProvider({
    octokit: octokit(token),
    owner: OWNER,
    repo: REPO,
    values: async () => "x".repeat(24),
    retry: { attempts: 1 },
  });
  await assert.rejects(
    provider.apply({ ...secretStep(null), expected: null }),
    (e) => e instanceof ProviderError && e.reason === "http-403" && /environments: write/.test(e.message),
  );
});

test("github: no secret value crosses the wire or reaches the twin's log, only its sealed form", async (t) => {
  const { provider, proxy, twin, source } = await githubSetup(t);
  const step = { ...secretStep(null), expected: null };
  await provider.apply(step);
  source.value = `dkp_${randomBytes(24).toString("base64url")}`;
  await provider.apply(step);
  const forms = (v: string) => [v, Buffer.from(v).toString("base64"), encodeURIComponent(v)];
  const wire = JSON.stringify(proxy.wire);
  const log = JSON.stringify(twin.exchanges);
  for (const form of forms(source.value)) {
    assert.ok(!wire.includes(form), "the value crossed the wire");
    assert.ok(!log.includes(form), "the value reached the twin's log");
  }
  const sealed = proxy.wire.filter((w) => w.method === "PUT" && w.body.includes("encrypted_value"));
  assert.equal(sealed.length, 2, "each value travelled sealed");
});

test("github: a stale key_id (422) is fetched again once and the value lands", async (t) => {
  let rotated = false;
  const holder: { repo?: Repo } = {};
  const { provider, repo, source } = await githubSetup(t, {
    override: (r) => {
      // Rotate the Environment's key after the provider read it: the twin then refuses the key_id for real.
      if (!rotated && r.method === "PUT" && r.path.includes("/secrets/") && holder.repo?.environments[ENV]) {
        rotated = true;
        holder.repo.environments[ENV].secretBox = newSecretBox();
      }
      return undefined;
    },
  });
  holder.repo = repo;
  await provider.apply({ ...secretStep(null), expected: null });
  assert.ok(rotated);
  assert.equal(repo.environments[ENV]?.secrets.DOKPLOY_DEPLOY_TOKEN?.value, source.value);
});

test("github: a 429 waits its Retry-After before trying again", async (t) => {
  const { provider, waits, proxy } = await githubSetup(t, { retryAfterSeconds: 7 });
  await provider.apply({ ...secretStep(null), expected: null });
  assert.equal(proxy.faultLog[0]?.kind, "rate-limit");
  assert.deepEqual(waits, [7000]);
});

test("github: errors carry neither the value, nor the sealed value, nor the key", async (t) => {
  const { source, app, octokit } = await githubSetup(t);
  // A token that can read but not write: GitHub refuses the first write.
  const token = await app.token({ repositoryNames: [REPO], permissions: { environments: "read" } });
  const provider = new GithubSecretsProvider({
    octokit: octokit(token),
    owner: OWNER,
    repo: REPO,
    values: async () => source.value,
    retry: { attempts: 1 },
  });
  const error = await provider.apply({ ...secretStep(null), expected: null }).catch((e: unknown) => e);
  assert.ok(error instanceof ProviderError, String(error));
  const text = JSON.stringify({ message: error.message, cause: String(error.cause), stack: error.stack });
  assert.ok(!text.includes(source.value));
  assert.ok(!/encrypted_value|key_id/.test(text), text);
  assert.equal(error.cause, undefined);
});

test("github: a failure between the secret write and its fingerprint resumes as ours and converges", async (t) => {
  let failed = false;
  const { provider, client, repo, source } = await githubSetup(t, {
    override: (r) => {
      if (!failed && r.method === "PATCH" && r.path.includes("/variables/")) {
        failed = true;
        return { status: 502, body: { message: "Server Error" } };
      }
      return undefined;
    },
  });
  const once = new GithubSecretsProvider({
    octokit: client,
    owner: OWNER,
    repo: REPO,
    values: async () => source.value,
    retry: { attempts: 1 },
  });
  const step = { ...secretStep(null), expected: null };
  await assert.rejects(once.apply(step), (e) => e instanceof ProviderError && e.reason === "http-502");
  assert.equal(
    repo.environments[ENV]?.secrets.DOKPLOY_DEPLOY_TOKEN?.value,
    source.value,
    "the secret landed",
  );
  const live = await provider.read(step);
  assert.ok(live.exists && live.ours, "claimed before the write, so not mistaken for someone else's");
  assert.equal(judge(step, live), "apply");
  await provider.apply(step);
  assert.equal(judge(step, await provider.read(step)), "skip");
});

test("github: under seeded faults every kind is injected (lost creates included) and each secret lands once, current", async (t) => {
  const { provider, proxy, repo, source } = await githubSetup(t, { faults: { seed: 4242 } });
  const steps = [30, 31, 32, 33].map((n) => ({ ...secretStep(n), expected: null }));
  for (const step of steps) await provider.apply(step);
  const kinds = new Set(proxy.faultLog.map((f) => f.kind));
  assert.deepEqual([...kinds].sort(), ["lost-response", "rate-limit", "server-error"]);
  assert.ok(
    proxy.faultLog.some((f) => f.kind === "lost-response" && f.method !== "GET"),
    "a write was lost",
  );
  const env = repo.environments[ENV];
  for (const step of steps) {
    const name = nameOf(step);
    assert.equal(env?.secrets[name]?.value, source.value);
    assert.equal(env?.variables[variableName(name)]?.value, fingerprint(source.value));
  }
  assert.equal(Object.keys(env?.secrets ?? {}).length, 4);
  assert.equal(Object.keys(env?.variables ?? {}).length, 4);
});

// ---- taking a secret back (a rollback's actions-secret.delete) -------------------------------------------

test("github undo: the secret and its fingerprint variable both go; a second run skips", async (t) => {
  const { provider, repo, twin } = await githubSetup(t);
  const forward = await applyPlan({
    plan: planOf([{ ...secretStep(null), expected: null }]),
    providers: [provider],
  });
  const undo = rollbackStep(forward.undo[0] as UndoRecord);
  assert.equal(undo.id, "github.actions-secret.delete:DOKPLOY_DEPLOY_TOKEN");
  const live = await provider.read(undo);
  assert.deepEqual(live, {
    exists: true,
    ours: true,
    state: { name: "DOKPLOY_DEPLOY_TOKEN", environment: ENV },
  });
  const back = await applyPlan({ plan: planOf([{ ...undo, expected: live.state }]), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  assert.deepEqual(repo.environments[ENV]?.secrets, {});
  assert.deepEqual(repo.environments[ENV]?.variables, {}, "no fingerprint variable left behind");
  const writes = twin.exchanges.filter((e) => e.method !== "GET").length;
  const again = await applyPlan({ plan: planOf([{ ...undo, expected: live.state }]), providers: [provider] });
  assert.equal(again.outcomes[0]?.status, "skipped");
  assert.equal(twin.exchanges.filter((e) => e.method !== "GET").length, writes);
});

test("github undo: a DELETE whose answer was lost after GitHub removed the secret is done (404 on the retry)", async (t) => {
  const { provider, proxy, repo } = await githubSetup(t, { faults: { seed: 2 } });
  const steps = [40, 41, 42].map((n) => ({ ...secretStep(n), expected: null }));
  const forward = await applyPlan({ plan: planOf(steps), providers: [provider] });
  assert.ok(forward.ok, JSON.stringify(forward.outcomes));
  const before = proxy.faultLog.length;
  const undos = forward.undo.map(rollbackStep);
  const back = await applyPlan({ plan: planOf(undos), providers: [provider] });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  const lost = proxy.faultLog
    .slice(before)
    .filter((f) => f.kind === "lost-response" && f.method === "DELETE");
  assert.ok(lost.length > 0, "a DELETE was committed and its answer lost");
  for (const l of lost) {
    assert.ok(
      proxy.wire.some((w) => w.method === "DELETE" && w.path === l.path && w.status === 404),
      `${l.path}: asked again, answered 404, taken as done`,
    );
  }
  assert.deepEqual(repo.environments[ENV]?.secrets, {});
  assert.deepEqual(repo.environments[ENV]?.variables, {});
});

test("github undo: without the plan's environment the provider refuses a delete as bad-step, asking for nothing", async (t) => {
  const { client, proxy } = await githubSetup(t);
  const bare = new GithubSecretsProvider({
    octokit: client,
    owner: OWNER,
    repo: REPO,
    values: async () => "x",
  });
  const undo = rollbackStep({
    stepId: "github.actions-secret.set:DOKPLOY_DEPLOY_TOKEN",
    provider: "github",
    action: "actions-secret.delete",
    target: "DOKPLOY_DEPLOY_TOKEN",
    state: { name: "DOKPLOY_DEPLOY_TOKEN", environment: ENV },
  });
  const asked = proxy.wire.length;
  await assert.rejects(
    bare.read(undo),
    (e) => e instanceof ProviderError && e.reason === "bad-step" && /environment/.test(e.message),
  );
  assert.equal(proxy.wire.length, asked);
});
