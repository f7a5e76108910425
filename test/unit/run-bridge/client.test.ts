// The Action's bridge client against a recording loopback server: the ID token's audience is the App's
// origin, it travels as a bearer token to the endpoint's path, and a refusal surfaces the App's message.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { BridgeError, createBridgeClient } from "../../../src/bridge/client.ts";

async function appStub(t: import("node:test").TestContext, answer: { status: number; body: unknown }) {
  const seen: { path: string; authorization: string | undefined; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString();
    });
    req.on("end", () => {
      seen.push({ path: req.url ?? "", authorization: req.headers.authorization, body: JSON.parse(text) });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const HASH = "a".repeat(64);

test("asks for an ID token for the App's origin and posts it as a bearer token to the endpoint", async (t) => {
  const app = await appStub(t, { status: 200, body: { planHash: HASH } });
  const audiences: string[] = [];
  const client = createBridgeClient({
    appUrl: `${app.url}/some/base/`,
    getIdToken: async (audience) => {
      audiences.push(audience);
      return "id.token.value";
    },
  });
  const body = { pr: 3, headSha: "b".repeat(40), planHash: HASH, live: {} };
  assert.deepEqual(await client.reportPlan(body), { planHash: HASH });
  assert.deepEqual(audiences, [app.url]);
  assert.deepEqual(app.seen, [
    { path: "/api/devops-agent/plan-report", authorization: "Bearer id.token.value", body },
  ]);
});

test("a refusal throws BridgeError with the App's status and message", async (t) => {
  const app = await appStub(t, {
    status: 403,
    body: { message: "run 5 is not the approved run of plan aaaaaaaaaaaa" },
  });
  const client = createBridgeClient({ appUrl: app.url, getIdToken: async () => "t.t.t" });
  const error = await client.token({ pr: 3, planHash: HASH, purpose: "secrets" }).catch((e: unknown) => e);
  assert.ok(error instanceof BridgeError);
  assert.equal(error.status, 403);
  assert.match(error.message, /token: run 5 is not the approved run of plan aaaaaaaaaaaa$/);
});

test("an answer that is not the protocol's is refused, not believed", async (t) => {
  const app = await appStub(t, { status: 200, body: { token: "" } });
  const client = createBridgeClient({ appUrl: app.url, getIdToken: async () => "t.t.t" });
  await assert.rejects(
    client.token({ pr: 3, planHash: HASH, purpose: "secrets" }),
    (error: unknown) =>
      error instanceof BridgeError && error.status === 0 && /unexpected body \(token: /.test(error.message),
  );
});
