// The Dokploy twin's contract check must bite: deliberately invalid exchanges, each caught and recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import { addApiKey, DokployTwin } from "../../src/sandbox/dokploy/index.ts";
import { recordDokployContract, startDokployTwin } from "../support/dokploy-twin.ts";

test("canary: a request body that breaks Dokploy's description is refused 400 and recorded", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { expectViolations: true });
  // saveDockerProvider requires every key (null allowed); a buggy client omits the registry fields.
  const response = await request(`${api}/application.saveDockerProvider`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "application/json" },
    body: JSON.stringify({ applicationId: "x", dockerImage: "ghcr.io/a/b@sha256:00" }),
  });
  assert.equal(response.statusCode, 400);
  const body = (await response.body.json()) as {
    message: string;
    code: string;
    issues: { message: string }[];
  };
  assert.equal(body.code, "BAD_REQUEST");
  assert.equal(body.message, "Input validation failed");
  const [exchange] = twin.contractReport().violations;
  assert.match(exchange?.violations.join("\n") ?? "", /username/);
  assert.match(exchange?.violations.join("\n") ?? "", /registryUrl/);
});

test("canary: a response that breaks the documented shape is answered 500 in strict mode and recorded", async (t) => {
  // A broken handler: project.create without the environment Dokploy creates with every project.
  const twin = await new DokployTwin({
    handlers: { "project-create": () => ({ project: { projectId: 7 } }) },
  }).start();
  t.after(async () => {
    await twin.close();
    recordDokployContract(twin, { canary: true });
  });
  const { key } = addApiKey(twin);
  const response = await request(`${twin.apiUrl}/project.create`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ name: "svc" }),
  });
  assert.equal(response.statusCode, 500);
  const body = (await response.body.json()) as { message: string; code: string };
  assert.equal(body.code, "INTERNAL_SERVER_ERROR");
  assert.match(body.message, /contract violation in project.create/);
  assert.match(twin.contractReport().violations[0]?.violations.join("\n") ?? "", /environment/);
});

test("canary: a procedure the description does not list is a violation, answered 404 NOT_FOUND", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { expectViolations: true });
  const response = await request(`${api}/application.teleport?applicationId=x`, {
    headers: { "x-api-key": apiKey },
  });
  assert.equal(response.statusCode, 404);
  assert.equal(((await response.body.json()) as { code: string }).code, "NOT_FOUND");
  assert.match(twin.contractReport().violations[0]?.violations[0] ?? "", /matches no operation/);
});

test("canary: a mutation sent as GET matches no operation", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { expectViolations: true });
  const response = await request(`${api}/application.deploy?applicationId=x`, {
    headers: { "x-api-key": apiKey },
  });
  assert.equal(response.statusCode, 404);
  await response.body.dump();
  assert.equal(twin.contractReport().violations.length, 1);
});

test("canary: a mutation without a JSON content type is refused 415 and recorded", async (t) => {
  const { twin, api, apiKey } = await startDokployTwin(t, { expectViolations: true });
  const response = await request(`${api}/project.create`, {
    method: "POST",
    headers: { "x-api-key": apiKey, "content-type": "text/plain" },
    body: JSON.stringify({ name: "svc" }),
  });
  assert.equal(response.statusCode, 415);
  assert.equal(((await response.body.json()) as { code: string }).code, "UNSUPPORTED_MEDIA_TYPE");
  assert.equal(Object.keys(twin.world.projects).length, 0);
  assert.match(twin.contractReport().violations[0]?.violations[0] ?? "", /content-type/);
});
