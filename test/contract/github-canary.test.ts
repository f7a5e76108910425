// The contract check must bite: deliberately invalid exchanges, each caught and refused by the twin.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { addUser, createRepo } from "../../src/sandbox/github/world.ts";
import { recordContract, startGithubTwin } from "../support/github-twin.ts";

test("canary: a request body that breaks GitHub's schema is refused and recorded", async (t) => {
  const { twin } = await startGithubTwin(t, { expectViolations: true });
  const { token } = addUser(twin, { login: "alice" });
  createRepo(twin, { owner: "alice", name: "svc" });
  // Octokit does not validate bodies, so send what a buggy client would: no key_id, not base64.
  const response = await fetch(`${twin.url}/repos/alice/svc/actions/secrets/TOKEN`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ encrypted_value: "not base64!" }),
  });
  assert.equal(response.status, 422);
  const [exchange] = twin.contractReport().violations;
  assert.match(exchange?.violations.join("\n") ?? "", /key_id/);
  assert.match(exchange?.violations.join("\n") ?? "", /encrypted_value/);
});

test("canary: a response that breaks GitHub's schema is answered 500 in strict mode and recorded", async (t) => {
  const twin = await new GithubTwin()
    .use({ "repos/get": () => ({ status: 200, body: { id: "seven", name: 7 } }) })
    .start();
  t.after(async () => {
    await twin.close();
    recordContract(twin, { canary: true });
  });
  const { token } = addUser(twin, { login: "alice" });
  createRepo(twin, { owner: "alice", name: "svc" });
  const response = await fetch(`${twin.url}/repos/alice/svc`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 500);
  assert.match(((await response.json()) as { message: string }).message, /contract violation in repos\/get/);
  assert.equal(twin.contractReport().violations.length, 1);
});

test("canary: a status the description does not list for the operation is a violation", async (t) => {
  const twin = await new GithubTwin()
    .use({ "repos/get": () => ({ status: 202, body: { message: "accepted?" } }) })
    .start();
  t.after(async () => {
    await twin.close();
    recordContract(twin, { canary: true });
  });
  const { token } = addUser(twin, { login: "alice" });
  createRepo(twin, { owner: "alice", name: "svc" });
  const response = await fetch(`${twin.url}/repos/alice/svc`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 500);
  assert.match(twin.contractReport().violations[0]?.violations[0] ?? "", /202 is not a documented response/);
});

test("canary: a path that matches no documented operation is a violation, not a silent 404", async (t) => {
  const { twin } = await startGithubTwin(t, { expectViolations: true });
  const response = await fetch(`${twin.url}/repos/alice/svc/not-an-endpoint`);
  assert.equal(response.status, 404);
  assert.match(twin.contractReport().violations[0]?.violations[0] ?? "", /matches no operation/);
});
