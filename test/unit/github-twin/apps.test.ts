import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

test("App JWT: the App, its installations and the installation on a repository", async (t) => {
  const { twin } = await startGithubTwin(t);
  createRepo(twin, { owner: "acme", name: "svc" });
  createRepo(twin, { owner: "acme", name: "other" });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { checks: "write" },
    repositories: ["svc"],
  });
  const me = await app.asApp.apps.getAuthenticated();
  assert.equal(me.data?.id, app.appId);
  assert.equal(me.data?.slug, "devops-agent");
  assert.deepEqual(me.data?.permissions, { metadata: "read", checks: "write" });
  const installations = await app.asApp.apps.listInstallations();
  assert.deepEqual(
    installations.data.map((i) => [
      i.id,
      i.account && "login" in i.account ? i.account.login : null,
      i.repository_selection,
    ]),
    [[app.installation.id, "acme", "selected"]],
  );
  const byRepo = await app.asApp.apps.getRepoInstallation({ owner: "acme", repo: "svc" });
  assert.equal(byRepo.data.id, app.installation.id);
  await assert.rejects(app.asApp.apps.getRepoInstallation({ owner: "acme", repo: "other" }), { status: 404 });
  // An installation token is no App JWT.
  const token = await app.token();
  await assert.rejects(new Octokit({ auth: token, baseUrl: twin.url }).apps.getAuthenticated(), {
    status: 401,
  });
});

test("App JWT signed with a key the App did not register is refused", async (t) => {
  const { twin } = await startGithubTwin(t);
  createRepo(twin, { owner: "acme", name: "svc" });
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: {} });
  const other = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const forged = new Octokit({
    authStrategy: createAppAuth,
    auth: { appId: app.appId, privateKey: other.privateKey },
    baseUrl: twin.url,
  });
  await assert.rejects(forged.apps.getAuthenticated(), { status: 401 });
});

test("installation token narrowed to one repository gets 404 on another; the listing shows only it", async (t) => {
  const { twin } = await startGithubTwin(t);
  createRepo(twin, { owner: "acme", name: "a" });
  createRepo(twin, { owner: "acme", name: "b" });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { contents: "read", secrets: "write" },
  });
  const full = new Octokit({ auth: await app.token(), baseUrl: twin.url });
  assert.equal((await full.repos.get({ owner: "acme", repo: "b" })).status, 200);

  const narrowed = await app.asApp.apps.createInstallationAccessToken({
    installation_id: app.installation.id,
    repositories: ["a"],
    permissions: { secrets: "write" },
  });
  assert.equal(narrowed.status, 201);
  assert.equal(narrowed.data.repository_selection, "selected");
  assert.deepEqual(
    narrowed.data.repositories?.map((r) => r.full_name),
    ["acme/a"],
  );
  assert.deepEqual(narrowed.data.permissions, { metadata: "read", secrets: "write" });
  assert.deepEqual(twin.world.tokens[narrowed.data.token]?.repositoryIds, [twin.repoByName("acme/a")?.id]);

  const gh = new Octokit({ auth: narrowed.data.token, baseUrl: twin.url });
  assert.equal((await gh.repos.get({ owner: "acme", repo: "a" })).status, 200);
  await assert.rejects(gh.repos.get({ owner: "acme", repo: "b" }), { status: 404 });
  // Narrowed to secrets: contents are out of reach even in repository a.
  await assert.rejects(gh.repos.getContent({ owner: "acme", repo: "a", path: "README.md" }), { status: 403 });
  const listed = await gh.apps.listReposAccessibleToInstallation();
  assert.deepEqual(
    listed.data.repositories.map((r) => r.full_name),
    ["acme/a"],
  );
  assert.equal(listed.data.total_count, 1);
});

test("a token cannot ask for more than the installation holds (422), and a user cannot list installation repos", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  createRepo(twin, { owner: "acme", name: "a" });
  createRepo(twin, { owner: "acme", name: "b" });
  createRepo(twin, { owner: "elsewhere", name: "c" });
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { contents: "read" },
    repositories: ["a"],
  });
  const before = Object.keys(twin.world.tokens).length;
  const ask = (body: { repositories?: string[]; permissions?: Record<string, "read" | "write"> }) =>
    app.asApp.apps.createInstallationAccessToken({ installation_id: app.installation.id, ...body });
  await assert.rejects(
    ask({ permissions: { contents: "write" } }),
    (e: { status: number; message: string }) => e.status === 422 && /not granted/.test(e.message),
  );
  await assert.rejects(ask({ permissions: { secrets: "read" } }), { status: 422 });
  await assert.rejects(ask({ repositories: ["b"] }), { status: 422 });
  await assert.rejects(ask({ repositories: ["c"] }), { status: 422 });
  assert.equal(Object.keys(twin.world.tokens).length, before, "no token was issued");
  // Another App's installation is not ours to mint tokens for.
  const other = setupApp(twin, { slug: "other-app", account: "acme", permissions: {} });
  await assert.rejects(
    app.asApp.apps.createInstallationAccessToken({ installation_id: other.installation.id }),
    { status: 404 },
  );
  await assert.rejects(asUser("acme").apps.listReposAccessibleToInstallation(), { status: 403 });
});

test("rate limit answers any identity with the figures of the headers", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const response = await asUser("alice").rateLimit.get();
  assert.equal(response.data.rate.limit, 5000);
  assert.equal(response.data.rate.limit - response.data.rate.used, response.data.rate.remaining);
  assert.equal(String(response.data.rate.reset), response.headers["x-ratelimit-reset"]);
  assert.equal(response.data.resources.core.used, twin.exchanges.length % 5000);
});
