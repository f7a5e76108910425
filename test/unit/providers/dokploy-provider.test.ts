// The Dokploy provider on the Dokploy twin over HTTP: the reference plan's Dokploy steps end in a done deployment
// and converge on a re-run; failures carry the build log; secrets never leave; a lost deploy answer never
// deploys twice.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { buildPlan } from "../../../src/plan/build.ts";
import type { Step } from "../../../src/plan/types.ts";
import { DeploymentFailedError, DokployProvider, fingerprint } from "../../../src/providers/dokploy/index.ts";
import { judge } from "../../../src/providers/judge.ts";
import { ProviderError } from "../../../src/providers/types.ts";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import {
  advance,
  type DokployTwinOptions,
  scriptDeployment,
  state,
} from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { sampleOptions } from "../plan/fixtures.ts";

const SECRETS: Record<string, string> = {
  GHCR_PULL_TOKEN: "ghp_pullTokenValue0123456789abcdefXYZ",
  SESSION_KEY: "session-key-value-7f3a9c",
  DATABASE_URL: "postgres://app:p4ssw0rd-hidden@db:5432/app",
};

function dokploySteps(): Step[] {
  return buildPlan(sampleOptions()).steps.filter((s) => s.provider === "dokploy");
}

function byAction(steps: Step[], action: string): Step {
  const step = steps.find((s) => s.action === action);
  if (!step) throw new Error(`no ${action} step`);
  return step;
}

async function setup(
  t: TestContext,
  options: DokployTwinOptions & { secrets?: Record<string, string | undefined> } = {},
) {
  const clock = new ManualClock("2026-05-01T12:00:00Z");
  const { twin, apiKey } = await startDokployTwin(t, { clock, retryAfterSeconds: 0, ...options });
  const slept: number[] = [];
  const secrets = options.secrets ?? SECRETS;
  const provider = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: (name) => secrets[name],
    // Waiting moves the twin's clock, so deployments finish while the provider polls.
    sleep: async (ms) => {
      slept.push(ms);
      advance(twin, ms);
    },
    backoffMs: 10,
    timeoutMs: 5000,
  });
  const writes = () => twin.exchanges.filter((e) => e.method !== "GET").length;
  return { twin, provider, slept, writes, apiKey };
}

/** The kernel's loop for one step, collecting everything the provider returned. */
async function converge(provider: DokployProvider, steps: Step[], seen: unknown[] = []) {
  const verdicts: string[] = [];
  for (const step of steps) {
    const live = await provider.read(step);
    seen.push(live);
    const verdict = judge(step, live);
    verdicts.push(verdict);
    if (verdict === "apply") seen.push(await provider.apply(step));
  }
  return verdicts;
}

function assertNoSecret(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `the value of ${name} leaked: ${text}`);
  }
}

test("the reference plan's Dokploy steps end in a done deployment; a second run judges every step skip and writes nothing", async (t) => {
  const { twin, provider, writes } = await setup(t);
  const steps = dokploySteps();
  assert.deepEqual(
    steps.map((s) => s.action),
    [
      "project.ensure",
      "application.ensure",
      "docker-provider.set",
      "environment.set",
      "domain.ensure",
      "application.deploy",
    ],
  );
  assert.deepEqual(
    await converge(provider, steps),
    steps.map(() => "apply"),
  );

  const world = state(twin);
  const [app, ...more] = Object.values(world.applications);
  assert.equal(more.length, 0, "one application");
  assert.ok(app);
  assert.equal(app.dockerImage, (byAction(steps, "docker-provider.set").desired as { image: string }).image);
  assert.equal(app.registryUrl, "ghcr.io");
  assert.equal(app.password, SECRETS.GHCR_PULL_TOKEN, "Dokploy got the registry password itself");
  assert.deepEqual((app.env ?? "").split("\n").sort(), [
    `DATABASE_URL=${SECRETS.DATABASE_URL}`,
    "NODE_ENV=production",
    `SESSION_KEY=${SECRETS.SESSION_KEY}`,
  ]);
  const domains = Object.values(world.domains);
  assert.deepEqual(
    domains.map((d) => [d.host, d.port, d.https, d.certificateType, d.applicationId]),
    [["app.example.com", 3000, true, "letsencrypt", app.applicationId]],
  );
  const deployments = Object.values(world.deployments);
  assert.deepEqual(
    deployments.map((d) => d.status),
    ["done"],
  );
  assert.equal(app.applicationStatus, "done");

  const before = writes();
  assert.deepEqual(
    await converge(provider, steps),
    steps.map(() => "skip"),
  );
  assert.equal(writes(), before, "a converged plan writes nothing");
  assert.equal(Object.keys(state(twin).deployments).length, 1, "no second deployment");
});

test("a new image after a done deployment is judged apply for docker provider and deploy, and deploys once more", async (t) => {
  const { twin, provider } = await setup(t);
  await converge(provider, dokploySteps());
  const next = buildPlan(
    sampleOptions({ image: { ...sampleOptions().image, digest: `sha256:${"cd".repeat(32)}` } }),
  ).steps.filter((s) => s.provider === "dokploy");
  const verdicts = await converge(provider, next);
  assert.deepEqual(verdicts, ["skip", "skip", "apply", "skip", "skip", "apply"]);
  const world = state(twin);
  assert.equal(Object.keys(world.deployments).length, 2);
  assert.ok(Object.values(world.applications)[0]?.dockerImage?.endsWith("cd".repeat(32)));
});

test("a failing deployment throws DeploymentFailedError carrying Dokploy's errorMessage and the build log", async (t) => {
  const { twin, provider } = await setup(t);
  const steps = dokploySteps();
  await converge(provider, steps.slice(0, 5));
  const app = Object.values(twin.world.applications)[0];
  assert.ok(app);
  const log = [
    "Pulling image",
    "Error: Could not locate the bindings file. Tried: better_sqlite3.node",
    "Error: container exited with code 1",
  ];
  scriptDeployment(twin, app.applicationId, {
    status: "error",
    log,
    errorMessage: "container exited with code 1",
    durationMs: 5000,
  });
  const deploy = byAction(steps, "application.deploy");
  const error = await provider.apply(deploy).then(
    () => assert.fail("the deploy must fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DeploymentFailedError);
  assert.equal(error.reason, "deployment-failed");
  assert.equal(error.errorMessage, "container exited with code 1");
  assert.equal(error.log, log.join("\n"));
  assert.match(error.message, /hello-service/);
  // Read after the failure: not deployed, so the next run applies again.
  assert.equal(judge(deploy, await provider.read(deploy)), "apply");
});

test("secrets: the registry password and secret env values never appear in LiveState, errors or anything returned", async (t) => {
  const { provider } = await setup(t);
  const seen: unknown[] = [];
  const steps = dokploySteps();
  await converge(provider, steps, seen);
  const docker = byAction(steps, "docker-provider.set");
  const env = byAction(steps, "environment.set");
  const dockerLive = await provider.read(docker);
  seen.push(dockerLive);
  assert.ok(dockerLive.exists);
  assert.equal((dockerLive.state as { passwordSecret: string }).passwordSecret, "GHCR_PULL_TOKEN");
  const envLive = await provider.read(env);
  seen.push(envLive);
  assert.deepEqual(envLive, {
    exists: true,
    ours: true,
    state: {
      application: "hello-service",
      variables: { NODE_ENV: "production" },
      secrets: ["DATABASE_URL", "SESSION_KEY"],
      names: ["DATABASE_URL", "NODE_ENV", "SESSION_KEY"],
    },
  });

  // A runner without the Environment's secrets: apply refuses, naming the secret and never its value.
  const missing = await setup(t, { secrets: {} });
  await converge(missing.provider, steps.slice(0, 2));
  const errors: unknown[] = [];
  for (const step of [docker, env]) await missing.provider.apply(step).catch((e: unknown) => errors.push(e));
  assert.equal(errors.length, 2);
  for (const e of errors) {
    assert.ok(e instanceof ProviderError && e.reason === "secret-missing", String(e));
    assert.match(e.message, /add the secret \w+ to the repository's deployment Environment/);
  }
  assert.match((errors[0] as Error).message, /GHCR_PULL_TOKEN/);
  assert.equal(
    state(missing.twin).applications[Object.keys(missing.twin.world.applications)[0] ?? ""]?.env,
    null,
  );
  const text = [
    JSON.stringify(seen),
    ...errors.map((e) => `${(e as Error).message} ${(e as Error).stack} ${JSON.stringify(e)}`),
  ].join("\n");
  assertNoSecret(text);
});

test("values that differ from the runner's secrets read back as fingerprints, never as the values", async (t) => {
  const { twin, provider, apiKey } = await setup(t);
  const steps = dokploySteps();
  await converge(provider, steps.slice(0, 4));
  // Another runner whose Environment secrets changed since: what is stored no longer matches them.
  const reader = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: (name) => `rotated-${name}`,
    sleep: async () => {},
  });
  const docker = await reader.read(byAction(steps, "docker-provider.set"));
  const env = await reader.read(byAction(steps, "environment.set"));
  assert.ok(docker.exists && env.exists);
  assert.equal(
    (docker.state as { passwordSecret: string }).passwordSecret,
    fingerprint(SECRETS.GHCR_PULL_TOKEN ?? ""),
  );
  assert.deepEqual((env.state as { secrets: string[] }).secrets, []);
  assertNoSecret(JSON.stringify([docker, env]));
  assert.equal(judge(byAction(steps, "environment.set"), env), "apply");
  assert.equal(judge(byAction(steps, "docker-provider.set"), docker), "apply");
});
