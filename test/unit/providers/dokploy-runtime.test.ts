// The Dokploy provider with a twin that runs what it deploys (a small in-test runtime standing in for the
// sandbox's process runtime): the app's log read back through application.readLogs, a failed start reported
// with the runtime's log, the deploy token, and domains that belong to someone else.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { buildPlan } from "../../../src/plan/build.ts";
import type { Step } from "../../../src/plan/types.ts";
import { DeploymentFailedError, DokployProvider } from "../../../src/providers/dokploy/index.ts";
import { judge } from "../../../src/providers/judge.ts";
import { ProviderError } from "../../../src/providers/types.ts";
import { dokployHandlers } from "../../../src/sandbox/dokploy/handlers.ts";
import {
  type DokployRuntime,
  type DokployTwinOptions,
  type RuntimeApp,
  routeFor,
  state,
} from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { sampleOptions } from "../plan/fixtures.ts";

const SECRETS: Record<string, string> = {
  GHCR_PULL_TOKEN: "ghp_pullTokenValue0123456789abcdefXYZ",
  SESSION_KEY: "session-key-value-7f3a9c",
  DATABASE_URL: "postgres://app:p4ssw0rd-hidden@db:5432/app",
};

const steps = buildPlan(sampleOptions()).steps.filter((s) => s.provider === "dokploy");
const stepOf = (action: string): Step => {
  const step = steps.find((s) => s.action === action);
  if (!step) throw new Error(`no ${action}`);
  return step;
};

/** Records what it was asked to run; its apps print what the test scripts. */
function fakeRuntime(outcome: { status: "done" | "error"; log: string; errorMessage?: string }) {
  const deployed: RuntimeApp[] = [];
  const stopped: string[] = [];
  const output = new Map<string, string>();
  const runtime: DokployRuntime = {
    async deploy(app) {
      deployed.push(app);
      if (outcome.status === "done") {
        output.set(
          app.appName,
          [
            "2026-05-01T12:00:01.000000000Z listening on :3000",
            "2026-05-01T12:00:02.000000000Z migrations applied",
            "2026-05-01T12:00:03.000000000Z GET /healthz 200",
          ].join("\n"),
        );
      }
      return outcome;
    },
    logs: (appName) => output.get(appName),
    async stop(appName) {
      stopped.push(appName);
      output.delete(appName);
    },
  };
  return { runtime, deployed, stopped };
}

async function setup(t: TestContext, options: DokployTwinOptions = {}) {
  const { twin, apiKey } = await startDokployTwin(t, { retryAfterSeconds: 0, ...options });
  const provider = new DokployProvider({
    url: twin.url,
    apiKey,
    secrets: (name) => SECRETS[name],
    // The runtime settles on its own promise; polling only has to let the event loop run.
    sleep: () => new Promise((resolve) => setImmediate(resolve)),
    backoffMs: 1,
  });
  return { twin, provider, apiKey };
}

async function applyAll(provider: DokployProvider, list: Step[]): Promise<void> {
  for (const step of list) if (judge(step, await provider.read(step)) === "apply") await provider.apply(step);
}

test("with a runtime, the deployed app gets its image, env and domains, and readAppLogs serves its output", async (t) => {
  const fake = fakeRuntime({ status: "done", log: "container started" });
  const { twin, provider } = await setup(t, { runtime: fake.runtime });
  await applyAll(provider, steps);
  assert.equal(fake.deployed.length, 1);
  const [app] = fake.deployed;
  assert.ok(app);
  assert.equal(app.dockerImage, (stepOf("docker-provider.set").desired as { image: string }).image);
  assert.deepEqual(app.env, {
    NODE_ENV: "production",
    DATABASE_URL: SECRETS.DATABASE_URL,
    SESSION_KEY: SECRETS.SESSION_KEY,
  });
  assert.deepEqual(app.domains, [{ host: "app.example.com", port: 3000, https: true }]);
  const [deployment] = Object.values(state(twin).deployments);
  assert.equal(deployment?.status, "done");

  const logs = await provider.readAppLogs("hello-service");
  assert.match(logs, /migrations applied/);
  assert.equal(logs.split("\n").length, 3);
  assert.equal(
    await provider.readAppLogs("hello-service", { tail: 1 }),
    "2026-05-01T12:00:03.000000000Z GET /healthz 200",
  );
  // The sandbox's HTTPS front routes the domain to the app the twin deployed.
  assert.deepEqual(routeFor(twin, "APP.example.com."), { appName: app.appName, port: 3000, https: true });
  assert.equal(routeFor(twin, "other.example.com"), undefined);
});

test("a runtime that fails the start fails the deployment; the provider throws its log", async (t) => {
  const fake = fakeRuntime({
    status: "error",
    log: "Error: Could not locate the bindings file (better_sqlite3.node)",
    errorMessage: "container exited with code 1",
  });
  const { twin, provider } = await setup(t, { runtime: fake.runtime });
  await applyAll(provider, steps.slice(0, 5));
  const error = await provider.apply(stepOf("application.deploy")).then(
    () => assert.fail("the deploy must fail"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof DeploymentFailedError);
  assert.equal(error.errorMessage, "container exited with code 1");
  assert.match(error.log, /better_sqlite3\.node/);
  assert.equal(Object.values(state(twin).deployments)[0]?.status, "error");
  // No container runs: Dokploy answers readLogs with a 500, which the provider reports.
  await assert.rejects(
    provider.readAppLogs("hello-service"),
    (e) => e instanceof ProviderError && e.reason === "internal-server-error",
  );
});

test("deployToken returns the application's refreshToken, the one the deploy webhook takes", async (t) => {
  const { twin, provider } = await setup(t);
  await applyAll(provider, steps.slice(0, 2));
  const token = await provider.deployToken("hello-service");
  const app = Object.values(twin.world.applications)[0];
  assert.equal(token, app?.refreshToken);
  await assert.rejects(
    provider.deployToken("no-such-app"),
    (e) => e instanceof ProviderError && e.reason === "application-missing",
  );
});

test("a domain whose host is on another application is not ours: drift, and apply refuses without writing", async (t) => {
  const { twin, provider } = await setup(t);
  await applyAll(provider, steps.slice(0, 4));
  // Another application (not ours) already serves the host.
  const ours = Object.values(twin.world.applications)[0];
  assert.ok(ours);
  const legacy = dokployHandlers["application-create"]?.({
    twin,
    world: twin.world,
    procedure: "application.create",
    body: { name: "legacy", environmentId: ours.environmentId, description: "hand-made" },
    query: new URLSearchParams(),
    organizationId: "org-1",
  }) as { applicationId: string };
  twin.world.domains.d1 = {
    domainId: "d1",
    host: "app.example.com",
    https: false,
    port: 8080,
    path: "/",
    internalPath: "/",
    stripPath: false,
    customEntrypoint: null,
    serviceName: null,
    domainType: "application",
    uniqueConfigKey: 99,
    createdAt: new Date().toISOString(),
    composeId: null,
    customCertResolver: null,
    applicationId: legacy.applicationId,
    previewDeploymentId: null,
    certificateType: "none",
    middlewares: null,
    enabled: true,
  };
  const step = stepOf("domain.ensure");
  const live = await provider.read(step);
  assert.deepEqual(live, {
    exists: true,
    ours: false,
    state: {
      application: "legacy",
      host: "app.example.com",
      port: 8080,
      path: "/",
      https: false,
      certificate: "none",
    },
  });
  assert.equal(judge(step, live), "drift");
  const writes = twin.exchanges.filter((e) => e.method !== "GET").length;
  await assert.rejects(provider.apply(step), (e) => e instanceof ProviderError && e.reason === "not-ours");
  assert.equal(twin.exchanges.filter((e) => e.method !== "GET").length, writes);
  assert.equal(Object.keys(twin.world.domains).length, 1);
});

test("our domain with another port is updated in place, not created again", async (t) => {
  const { twin, provider } = await setup(t);
  await applyAll(provider, steps.slice(0, 5));
  const step = stepOf("domain.ensure");
  const moved = { ...step, desired: { ...(step.desired as object), port: 8080 } };
  const live = await provider.read(moved);
  assert.ok(live.exists && live.ours);
  assert.equal(judge({ ...moved, expected: live.state }, live), "apply");
  await provider.apply(moved);
  const domains = Object.values(state(twin).domains);
  assert.deepEqual(
    domains.map((d) => [d.host, d.port]),
    [["app.example.com", 8080]],
  );
});
