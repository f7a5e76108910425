// What the Dokploy twin added for the provider and the sandbox: application.readLogs (with Dokploy's parameter
// rules), the deploy webhook, the runtime hook (deployments end when the runtime settles; close stops its apps)
// and the host → app lookup the HTTPS front routes by.
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import {
  addApiKey,
  advance,
  type DokployRuntime,
  DokployTwin,
  routeFor,
  state,
  writeContainerLog,
} from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { call, ok } from "./client.ts";

interface App {
  applicationId: string;
  appName: string;
  refreshToken: string;
}

async function appOn(api: string, key: string): Promise<App> {
  const created = await ok<{ environment: { environmentId: string } }>(
    call(api, key, "project.create", { name: "svc" }),
  );
  return ok<App>(
    call(api, key, "application.create", { name: "svc", environmentId: created.environment.environmentId }),
  );
}

test("application.readLogs: 500 before any container runs; then tail, since and search apply to the container's output", async (t) => {
  const clock = new ManualClock("2026-05-01T12:00:00Z");
  const { twin, api, apiKey } = await startDokployTwin(t, { clock });
  const app = await appOn(api, apiKey);
  const none = await call(api, apiKey, "application.readLogs", { applicationId: app.applicationId });
  assert.equal(none.status, 500);
  assert.equal((none.body as { code: string }).code, "INTERNAL_SERVER_ERROR");
  await call(api, apiKey, "application.deploy", { applicationId: app.applicationId });
  advance(twin, 2000);
  writeContainerLog(
    twin,
    app.appName,
    "2026-05-01T10:00:00.000000000Z booting",
    "2026-05-01T11:59:30.000000000Z migrations applied",
    "2026-05-01T11:59:50.000000000Z listening on :3000",
  );
  const all = await ok<string>(
    call(api, apiKey, "application.readLogs", { applicationId: app.applicationId }),
  );
  assert.equal(all.split("\n").length, 3);
  const recent = await ok<string>(
    call(api, apiKey, "application.readLogs", { applicationId: app.applicationId, since: "1m" }),
  );
  assert.deepEqual(
    recent.split("\n").map((l) => l.split(" ").slice(1).join(" ")),
    ["migrations applied", "listening on :3000"],
  );
  const searched = await ok<string>(
    call(api, apiKey, "application.readLogs", { applicationId: app.applicationId, search: "MIGRATIONS" }),
  );
  assert.match(searched, /migrations applied$/);
  assert.equal(searched.split("\n").length, 1);
  const tail = await ok<string>(
    call(api, apiKey, "application.readLogs", { applicationId: app.applicationId, tail: 1 }),
  );
  assert.match(tail, /listening on :3000$/);
});

test("application.readLogs refuses a search outside [a-zA-Z0-9 ._-] and a malformed since with a zod 400", async (t) => {
  const { api, apiKey } = await startDokployTwin(t, { expectViolations: true });
  const app = await appOn(api, apiKey);
  for (const input of [{ search: "migrations: applied" }, { search: "a|b" }, { since: "yesterday" }]) {
    const answer = await call(api, apiKey, "application.readLogs", {
      applicationId: app.applicationId,
      ...input,
    });
    assert.equal(answer.status, 400, JSON.stringify(input));
    assert.equal((answer.body as { message: string }).message, "Input validation failed");
    assert.ok(Array.isArray((answer.body as { issues?: unknown[] }).issues));
  }
});

test("settings.getDokployVersion answers the version the twin claims", async (t) => {
  const { api, apiKey } = await startDokployTwin(t);
  assert.match(
    await ok<string>(call(api, apiKey, "settings.getDokployVersion", {}, { method: "GET" })),
    /^v\d+\.\d+\.\d+$/,
  );
});

test("the deploy webhook: no API key; unknown token 404; ping answers; a bare POST deploys", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t);
  const app = await appOn(api, apiKey);
  const post = async (token: string, headers: Record<string, string> = {}) => {
    const response = await request(`${twin.url}/api/deploy/${token}`, { method: "POST", headers });
    return { status: response.statusCode, body: (await response.body.json()) as unknown };
  };
  assert.deepEqual(await post("not-a-token"), { status: 404, body: { message: "Application Not Found" } });
  assert.deepEqual(await post(app.refreshToken, { "x-github-event": "ping" }), {
    status: 200,
    body: { message: "Ping received, webhook is active" },
  });
  assert.equal(Object.keys(state(twin).deployments).length, 0, "neither deployed");
  assert.deepEqual(await post(app.refreshToken), {
    status: 200,
    body: { message: "Application deployed successfully" },
  });
  const deployments = Object.values(twin.world.deployments);
  assert.equal(deployments.length, 1);
  assert.equal(deployments[0]?.applicationId, app.applicationId);
});

test("with a runtime, a deployment stays running until the runtime settles; close stops what it runs", async () => {
  let release: (value: { status: "done"; log: string }) => void = () => {};
  const stopped: string[] = [];
  const runtime: DokployRuntime = {
    deploy: () =>
      new Promise((resolve) => {
        release = resolve;
      }),
    logs: () => "2026-05-01T12:00:00.000000000Z up",
    stop: async (appName) => {
      stopped.push(appName);
    },
  };
  const clock = new ManualClock();
  const twin = await new DokployTwin({ clock, runtime }).start();
  const { key } = addApiKey(twin, { organizationId: "org-1" });
  const app = await appOn(twin.apiUrl, key);
  await call(twin.apiUrl, key, "domain.create", {
    host: "svc.example.test",
    port: 8080,
    https: true,
    certificateType: "letsencrypt",
    applicationId: app.applicationId,
    domainType: "application",
  });
  await call(twin.apiUrl, key, "application.deploy", { applicationId: app.applicationId });
  advance(twin, 60_000);
  twin.finishDeployments();
  const [running] = Object.values(state(twin).deployments);
  assert.equal(running?.status, "running", "the clock does not finish a runtime's deployment");
  release({ status: "done", log: "Started svc" });
  await new Promise((resolve) => setImmediate(resolve));
  const [done] = Object.values(state(twin).deployments);
  assert.equal(done?.status, "done");
  const text = await ok<string>(
    call(twin.apiUrl, key, "deployment.readLogs", { deploymentId: done?.deploymentId }),
  );
  assert.match(text, /Started svc/);
  assert.deepEqual(routeFor(twin, "svc.example.test"), { appName: app.appName, port: 8080, https: true });
  await twin.close();
  assert.deepEqual(stopped, [app.appName]);
});
