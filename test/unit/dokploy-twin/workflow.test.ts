// The workflow the Action runs against Dokploy, end to end over HTTP with undici against the twin.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import { advance, scriptDeployment, state } from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { call, ok } from "./client.ts";

interface Created {
  project: { projectId: string; organizationId: string };
  environment: { environmentId: string; name: string };
}
interface App {
  applicationId: string;
  appName: string;
  applicationStatus: string;
  sourceType: string;
  dockerImage: string | null;
  password: string | null;
  refreshToken: string;
  env: string | null;
}
interface Deployment {
  deploymentId: string;
  status: string;
  errorMessage: string | null;
  logPath: string;
}

const IMAGE = `ghcr.io/acme/svc@sha256:${"ab".repeat(32)}`;

async function projectWithApp(api: string, key: string) {
  const created = await ok<Created>(call(api, key, "project.create", { name: "svc" }));
  const app = await ok<App>(
    call(api, key, "application.create", { name: "svc", environmentId: created.environment.environmentId }),
  );
  return { created, app };
}

test("project.create returns the project and its production environment; two application creates make two apps", async (t) => {
  const { api, apiKey } = await startDokployTwin(t);
  const created = await ok<Created>(call(api, apiKey, "project.create", { name: "svc", description: null }));
  assert.equal(created.environment.name, "production");
  assert.equal(created.project.organizationId, "org-1");
  const input = { name: "svc", appName: "svc", environmentId: created.environment.environmentId };
  const first = await ok<App>(call(api, apiKey, "application.create", input));
  const second = await ok<App>(call(api, apiKey, "application.create", input));
  // Not idempotent: the same input twice gives two applications with different random suffixes.
  assert.notEqual(first.applicationId, second.applicationId);
  assert.notEqual(first.appName, second.appName);
  assert.match(first.appName, /^svc-[a-z0-9]{6}$/);
  assert.equal(first.applicationStatus, "idle");
  assert.equal(first.sourceType, "github");
  const projects = await ok<{ environments: { applications: App[] }[] }[]>(call(api, apiKey, "project.all"));
  assert.equal(projects[0]?.environments[0]?.applications.length, 2);
  const one = await ok<{ projectId: string }>(
    call(api, apiKey, "project.one", { projectId: created.project.projectId }),
  );
  assert.equal(one.projectId, created.project.projectId);
});

test("saveDockerProvider by digest, saveEnvironment and domain.create are read back through application.one", async (t) => {
  const { api, apiKey } = await startDokployTwin(t);
  const { app } = await projectWithApp(api, apiKey);
  const saved = await call(api, apiKey, "application.saveDockerProvider", {
    applicationId: app.applicationId,
    dockerImage: IMAGE,
    username: "acme-bot",
    password: "ghp_registrypassword",
    registryUrl: "ghcr.io",
  });
  assert.equal(saved.status, 200);
  assert.equal(saved.body, true);
  assert.equal(
    (
      await call(api, apiKey, "application.saveEnvironment", {
        applicationId: app.applicationId,
        env: "PORT=3000\nNODE_ENV=production",
        buildArgs: null,
        buildSecrets: null,
        createEnvFile: true,
      })
    ).body,
    true,
  );
  const domain = await ok<{
    domainId: string;
    host: string;
    port: number;
    certificateType: string;
    https: boolean;
  }>(
    call(api, apiKey, "domain.create", {
      host: " svc.example.test ",
      port: 3000,
      https: true,
      certificateType: "letsencrypt",
      applicationId: app.applicationId,
      domainType: "application",
    }),
  );
  assert.equal(domain.host, "svc.example.test");
  assert.equal(domain.certificateType, "letsencrypt");
  const one = await ok<App & { domains: { domainId: string }[] }>(
    call(api, apiKey, "application.one", { applicationId: app.applicationId }),
  );
  assert.equal(one.dockerImage, IMAGE);
  assert.equal(one.sourceType, "docker");
  // Dokploy returns the registry password and the deploy token in clear.
  assert.equal(one.password, "ghp_registrypassword");
  assert.equal(one.refreshToken, app.refreshToken);
  assert.equal(one.env, "PORT=3000\nNODE_ENV=production");
  assert.deepEqual(
    one.domains.map((d) => d.domainId),
    [domain.domainId],
  );
  const byApp = await ok<{ domainId: string }[]>(
    call(api, apiKey, "domain.byApplicationId", { applicationId: app.applicationId }),
  );
  assert.equal(byApp.length, 1);
  // https without a certificate type is refused by Dokploy's own validation.
  const refused = await call(api, apiKey, "domain.create", { host: "x.example.test", https: true });
  assert.equal(refused.status, 400);
});

test("deploy answers 200 with an empty body; the deployment runs, then is done on the twin's clock", async (t) => {
  const clock = new ManualClock("2026-03-01T10:00:00Z");
  const { twin, api, apiKey } = await startDokployTwin(t, { clock });
  const { app } = await projectWithApp(api, apiKey);
  const deployed = await call(api, apiKey, "application.deploy", { applicationId: app.applicationId });
  assert.equal(deployed.status, 200);
  assert.equal(deployed.raw, "");
  const [running] = await ok<Deployment[]>(
    call(api, apiKey, "deployment.all", { applicationId: app.applicationId }),
  );
  assert.equal(running?.status, "running");
  assert.match(
    running?.logPath ?? "",
    new RegExp(`^/etc/dokploy/logs/${app.appName}/${app.appName}-2026-03-01:10:00:00\\.log$`),
  );
  advance(twin, 1999);
  assert.equal(state(twin).deployments[running?.deploymentId ?? ""]?.status, "running");
  advance(twin, 1);
  const [done] = await ok<Deployment[]>(
    call(api, apiKey, "deployment.all", { applicationId: app.applicationId }),
  );
  assert.equal(done?.status, "done");
  const one = await ok<App>(call(api, apiKey, "application.one", { applicationId: app.applicationId }));
  assert.equal(one.applicationStatus, "done");
});

test("a scripted error ends the deployment in error with its real failure log readable", async (t) => {
  const clock = new ManualClock();
  const { twin, api, apiKey } = await startDokployTwin(t, { clock });
  const { app } = await projectWithApp(api, apiKey);
  // A real failure log from a public issue (test/fixtures/triage/cases.jsonl).
  const cases = readFileSync(new URL("../../fixtures/triage/cases.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; log: string });
  const failure = cases.find(
    (c) => c.id === "native-pnpm-latest-better-sqlite3-not-compiled-mission-control",
  );
  assert.ok(failure);
  const log = failure.log.split("\n");
  scriptDeployment(twin, app.applicationId, { status: "error", log, durationMs: 5000 });
  await call(api, apiKey, "application.deploy", { applicationId: app.applicationId, title: "PR #7" });
  advance(twin, 5000);
  const [failed] = await ok<Deployment[]>(
    call(api, apiKey, "deployment.all", { applicationId: app.applicationId }),
  );
  assert.equal(failed?.status, "error");
  assert.equal(failed?.errorMessage, log.at(-1));
  const text = await ok<string>(
    call(api, apiKey, "deployment.readLogs", { deploymentId: failed?.deploymentId, tail: 2 }),
  );
  assert.equal(text, log.slice(-2).join("\n"));
  const all = await ok<string>(
    call(api, apiKey, "deployment.readLogs", { deploymentId: failed?.deploymentId }),
  );
  assert.match(all, /better-sqlite3/);
  // The next deploy is unscripted and succeeds.
  await call(api, apiKey, "application.deploy", { applicationId: app.applicationId });
  advance(twin, 2000);
  const [latest] = await ok<Deployment[]>(
    call(api, apiKey, "deployment.all", { applicationId: app.applicationId }),
  );
  assert.equal(latest?.status, "done");
});

test("401 {message: Unauthorized} without or with a bad x-api-key; another organisation's app is not served", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t);
  const missing = await call(api, undefined, "project.all");
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, { message: "Unauthorized" });
  const bad = await call(api, "dkp_wrong", "project.all");
  assert.equal(bad.status, 401);
  const { app } = await projectWithApp(api, apiKey);
  const { addApiKey } = await import("../../../src/sandbox/dokploy/index.ts");
  const other = addApiKey(twin, { organizationId: "org-2" });
  const foreign = await call(api, other.key, "application.one", { applicationId: app.applicationId });
  assert.equal(foreign.status, 401);
  assert.equal((foreign.body as { code: string }).code, "UNAUTHORIZED");
  const none = await call(api, apiKey, "application.one", { applicationId: "nope" });
  assert.equal(none.status, 404);
  assert.equal((none.body as { code: string }).code, "NOT_FOUND");
});
