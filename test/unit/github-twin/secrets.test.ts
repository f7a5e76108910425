import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import type { Octokit } from "@octokit/rest";
import { seal } from "../../../src/sandbox/github/secret-box.ts";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

const PLAINTEXT = "dokploy-token-7f3a9c1e5b";

/** Records every response body (and error body) the client sees, to prove no secret value ever leaves. */
function recordBodies(gh: Octokit): string[] {
  const seen: string[] = [];
  gh.hook.wrap("request", async (request, options) => {
    try {
      const response = await request(options);
      seen.push(JSON.stringify(response.data ?? null));
      return response;
    } catch (error) {
      seen.push(JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? null));
      throw error;
    }
  });
  return seen;
}

function assertNoValue(bodies: string[], value: string): void {
  assert.ok(bodies.length > 0);
  const forms = [value, Buffer.from(value).toString("base64"), encodeURIComponent(value)];
  for (const body of bodies)
    for (const form of forms) assert.ok(!body.includes(form), `a response carried the secret: ${body}`);
}

test("repo secret: 201 when created, 204 when updated; the twin opens the sealed box; no value is served", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const gh = asUser("acme");
  const bodies = recordBodies(gh);
  const key = (await gh.actions.getRepoPublicKey({ owner: "acme", repo: "svc" })).data;
  assert.equal(key.key, repo.secretBox.publicKey);

  const created = await gh.actions.createOrUpdateRepoSecret({
    owner: "acme",
    repo: "svc",
    secret_name: "dokploy_token",
    encrypted_value: seal(key.key, PLAINTEXT),
    key_id: key.key_id,
  });
  assert.equal(created.status, 201);
  assert.deepEqual(created.data, {});
  assert.equal(repo.secrets.DOKPLOY_TOKEN?.value, PLAINTEXT, "stored decrypted, upper-cased");

  const updated = await gh.actions.createOrUpdateRepoSecret({
    owner: "acme",
    repo: "svc",
    secret_name: "DOKPLOY_TOKEN",
    encrypted_value: seal(key.key, `${PLAINTEXT}-2`),
    key_id: key.key_id,
  });
  assert.equal(updated.status, 204);
  assert.equal(repo.secrets.DOKPLOY_TOKEN?.value, `${PLAINTEXT}-2`);

  const got = await gh.actions.getRepoSecret({ owner: "acme", repo: "svc", secret_name: "Dokploy_Token" });
  assert.deepEqual(Object.keys(got.data).sort(), ["created_at", "name", "updated_at"]);
  const listed = await gh.actions.listRepoSecrets({ owner: "acme", repo: "svc" });
  assert.deepEqual([listed.data.total_count, listed.data.secrets.map((s) => s.name)], [1, ["DOKPLOY_TOKEN"]]);

  assert.equal(
    (await gh.actions.deleteRepoSecret({ owner: "acme", repo: "svc", secret_name: "dokploy_token" })).status,
    204,
  );
  assert.equal(repo.secrets.DOKPLOY_TOKEN, undefined);
  await assert.rejects(
    gh.actions.getRepoSecret({ owner: "acme", repo: "svc", secret_name: "DOKPLOY_TOKEN" }),
    { status: 404 },
  );
  assertNoValue(bodies, PLAINTEXT);
});

test("repo secret: stale key_id, garbage ciphertext, a box sealed for another key and bad names are 422", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const other = createRepo(twin, { owner: "acme", name: "other" });
  const gh = asUser("acme");
  const bodies = recordBodies(gh);
  const key = (await gh.actions.getRepoPublicKey({ owner: "acme", repo: "svc" })).data;
  const put = (secret_name: string, encrypted_value: string, key_id = key.key_id) =>
    gh.actions.createOrUpdateRepoSecret({ owner: "acme", repo: "svc", secret_name, encrypted_value, key_id });
  const good = seal(key.key, PLAINTEXT);
  await assert.rejects(put("TOKEN", good, other.secretBox.keyId), { status: 422 });
  await assert.rejects(
    put("TOKEN", randomBytes(80).toString("base64")),
    (e: { status: number; message: string }) => e.status === 422 && /decrypt/i.test(e.message),
  );
  await assert.rejects(put("TOKEN", seal(other.secretBox.publicKey, PLAINTEXT)), { status: 422 });
  await assert.rejects(put("TOKEN", "AAAA"), { status: 422 });
  for (const name of ["GITHUB_TOKEN", "github_pat", "1TOKEN", "bad-name"])
    await assert.rejects(put(name, good), { status: 422 }, name);
  assert.deepEqual(repo.secrets, {});
  assertNoValue(bodies, PLAINTEXT);
});

test("environment secrets: need the environment (404), use its own key, stay out of the repository's secrets", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const gh = asUser("acme");
  const bodies = recordBodies(gh);
  const scope = { owner: "acme", repo: "svc", environment_name: "production" };
  await assert.rejects(gh.actions.getEnvironmentPublicKey(scope), { status: 404 });
  await assert.rejects(
    gh.actions.createOrUpdateEnvironmentSecret({
      ...scope,
      secret_name: "X",
      encrypted_value: seal(repo.secretBox.publicKey, "x"),
      key_id: repo.secretBox.keyId,
    }),
    { status: 404 },
  );

  await gh.repos.createOrUpdateEnvironment(scope);
  const key = (await gh.actions.getEnvironmentPublicKey(scope)).data;
  assert.notEqual(key.key, repo.secretBox.publicKey);
  // The repository's key does not open an Environment secret.
  await assert.rejects(
    gh.actions.createOrUpdateEnvironmentSecret({
      ...scope,
      secret_name: "CF_TOKEN",
      encrypted_value: seal(repo.secretBox.publicKey, PLAINTEXT),
      key_id: key.key_id,
    }),
    { status: 422 },
  );
  const created = await gh.actions.createOrUpdateEnvironmentSecret({
    ...scope,
    secret_name: "cf_token",
    encrypted_value: seal(key.key, PLAINTEXT),
    key_id: key.key_id,
  });
  assert.equal(created.status, 201);
  const again = await gh.actions.createOrUpdateEnvironmentSecret({
    ...scope,
    secret_name: "CF_TOKEN",
    encrypted_value: seal(key.key, PLAINTEXT),
    key_id: key.key_id,
  });
  assert.equal(again.status, 204);
  assert.equal(repo.environments.production?.secrets.CF_TOKEN?.value, PLAINTEXT);
  assert.deepEqual(repo.secrets, {});
  const listed = await gh.actions.listEnvironmentSecrets(scope);
  assert.deepEqual(
    listed.data.secrets.map((s) => s.name),
    ["CF_TOKEN"],
  );
  assert.equal(
    (await gh.actions.getEnvironmentSecret({ ...scope, secret_name: "cf_token" })).data.name,
    "CF_TOKEN",
  );
  assert.equal((await gh.actions.deleteEnvironmentSecret({ ...scope, secret_name: "CF_TOKEN" })).status, 204);
  assert.deepEqual(repo.environments.production?.secrets, {});
  assertNoValue(bodies, PLAINTEXT);
});

test("secrets through an installation token: secrets permission for the repository's, environments for an Environment's", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc", collaborators: { wendy: "write" } });
  await asUser("acme").repos.createOrUpdateEnvironment({
    owner: "acme",
    repo: "svc",
    environment_name: "production",
  });
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { secrets: "write" } });
  const gh = app.asInstallation;
  const key = (await gh.actions.getRepoPublicKey({ owner: "acme", repo: "svc" })).data;
  const put = await gh.actions.createOrUpdateRepoSecret({
    owner: "acme",
    repo: "svc",
    secret_name: "DEPLOY",
    encrypted_value: seal(key.key, PLAINTEXT),
    key_id: key.key_id,
  });
  assert.equal(put.status, 201);
  assert.equal(repo.secrets.DEPLOY?.value, PLAINTEXT);
  await assert.rejects(
    gh.actions.getEnvironmentPublicKey({ owner: "acme", repo: "svc", environment_name: "production" }),
    { status: 403 },
  );
  // A writer is no admin: repository secrets are out of reach.
  await assert.rejects(asUser("wendy").actions.getRepoPublicKey({ owner: "acme", repo: "svc" }), {
    status: 403,
  });
});
