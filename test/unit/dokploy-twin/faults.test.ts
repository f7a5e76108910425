// Faults on demand: 429 with Retry-After, 5xx, a held request, and the nasty one, a committed change whose
// response is lost. Seeded, so the same seed gives the same faults.
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { FaultSchedule } from "../../../src/sandbox/dokploy/faults.ts";
import { state } from "../../../src/sandbox/dokploy/index.ts";
import { startDokployTwin } from "../../support/dokploy-twin.ts";
import { call, ok } from "./client.ts";

test("a lost response after commit: the client sees a socket error, the application exists afterwards", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t);
  const created = await ok<{ environment: { environmentId: string } }>(
    call(api, apiKey, "project.create", { name: "svc" }),
  );
  twin.injectFault("lost-response", { procedure: "application.create" });
  await assert.rejects(
    call(api, apiKey, "application.create", {
      name: "svc",
      environmentId: created.environment.environmentId,
    }),
    (error: Error & { code?: string }) => /socket|closed|ECONNRESET/i.test(`${error.code} ${error.message}`),
  );
  const projects = await ok<
    { environments: { applications: { applicationId: string; name: string }[] }[] }[]
  >(call(api, apiKey, "project.all"));
  const [app] = projects[0]?.environments[0]?.applications ?? [];
  assert.equal(app?.name, "svc");
  const one = await call(api, apiKey, "application.one", { applicationId: app?.applicationId ?? "" });
  assert.equal(one.status, 200);
  assert.equal(Object.keys(state(twin).applications).length, 1);
  assert.deepEqual(
    twin.exchanges.filter((e) => e.fault).map((e) => [e.operationId, e.fault]),
    [["application-create", "lost-response"]],
  );
});

test("429 carries Retry-After, a 5xx is served, and neither applies the change", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { retryAfterSeconds: 3 });
  twin.injectFault("rate-limit");
  const limited = await call(api, apiKey, "project.create", { name: "svc" });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers["retry-after"], "3");
  twin.injectFault("server-error", { status: 502 });
  const broken = await call(api, apiKey, "project.create", { name: "svc" });
  assert.equal(broken.status, 502);
  assert.equal(Object.keys(state(twin).projects).length, 0);
  assert.equal(twin.contractReport().faults, 2);
});

test("a timeout holds the request, applies nothing, then drops the connection", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { holdMs: 150 });
  twin.injectFault("timeout");
  const started = Date.now();
  await assert.rejects(
    request(`${api}/project.create`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "svc" }),
    }),
  );
  assert.ok(Date.now() - started >= 140, "the response was held");
  assert.equal(Object.keys(state(twin).projects).length, 0);
});

test("the same seed gives the same faults; a different seed differs", async (t) => {
  const schedule = (seed: number) => {
    const s = new FaultSchedule({ seed, rateLimit: 0.1, serverError: 0.1, timeout: 0.05, lostResponse: 0.2 });
    return Array.from({ length: 200 }, () => JSON.stringify(s.draw("project.all")));
  };
  assert.deepEqual(schedule(42), schedule(42));
  assert.notDeepEqual(schedule(42), schedule(43));
  assert.ok(schedule(42).some((f) => f.includes("lost-response")));

  // Over HTTP: two twins with the same seed serve the same statuses for the same request sequence.
  const run = async (seed: number) => {
    const { api, apiKey } = await startDokployTwin(t, { faults: { seed, rateLimit: 0.3, serverError: 0.3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await call(api, apiKey, "project.all")).status);
    return statuses;
  };
  const first = await run(7);
  assert.deepEqual(await run(7), first);
  assert.ok(first.includes(429) && first.some((s) => s >= 500) && first.includes(200));
});
