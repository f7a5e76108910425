import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { addUser, createRepo } from "../../../src/sandbox/github/world.ts";
import { publishImage } from "../../../src/sandbox/github/world-packages.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

test("container versions of an org package with a `/` in its name: digests, tags, newest first, paged", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  addUser(twin, { login: "acme", type: "Organization" });
  const repo = createRepo(twin, { owner: "acme", name: "svc", collaborators: { alice: "read" } });
  const commit = repo.refs["refs/heads/main"] as string;
  const first = publishImage(twin, {
    owner: "acme",
    packageName: "svc/web",
    tags: [`sha-${commit}`, "latest"],
  });
  const second = publishImage(twin, { owner: "acme", packageName: "svc/web", tags: ["latest"] });
  assert.match(first, /^sha256:[0-9a-f]{64}$/);
  assert.notEqual(first, second);
  const pinned = `sha256:${createHash("sha256").update("manifest bytes").digest("hex")}`;
  assert.equal(
    publishImage(twin, { owner: "acme", packageName: "svc/web", tags: ["v1"], digest: pinned }),
    pinned,
  );

  const gh = asUser("alice");
  const scope = { org: "acme", package_type: "container" as const, package_name: "svc/web" };
  const all = await gh.packages.getAllPackageVersionsForPackageOwnedByOrg(scope);
  assert.ok(
    twin.exchanges.some((e) => e.path === "/orgs/acme/packages/container/svc%2Fweb/versions"),
    "sent URL-encoded",
  );
  assert.deepEqual(
    all.data.map((v) => v.name),
    [pinned, second, first],
  );
  // `latest` moved to the newest push; the commit tag still names the first digest.
  assert.deepEqual(
    all.data.map((v) => v.metadata?.container?.tags),
    [["v1"], ["latest"], [`sha-${commit}`]],
  );
  assert.equal(all.data.find((v) => v.metadata?.container?.tags.includes(`sha-${commit}`))?.name, first);
  assert.equal(all.data[0]?.metadata?.package_type, "container");

  const page2 = await gh.packages.getAllPackageVersionsForPackageOwnedByOrg({
    ...scope,
    per_page: 1,
    page: 2,
  });
  assert.deepEqual(
    page2.data.map((v) => v.name),
    [second],
  );
  assert.match(String(page2.headers.link), /rel="next"/);
  const deleted = await gh.packages.getAllPackageVersionsForPackageOwnedByOrg({ ...scope, state: "deleted" });
  assert.deepEqual(deleted.data, []);
});

test("package versions: hidden from strangers (404), refused to App installation tokens (403), wrong owner kind 404", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  addUser(twin, { login: "acme", type: "Organization" });
  createRepo(twin, { owner: "acme", name: "svc" });
  publishImage(twin, { owner: "acme", packageName: "svc", tags: ["latest"] });
  const scope = { package_type: "container" as const, package_name: "svc" };
  await assert.rejects(
    asUser("stranger").packages.getAllPackageVersionsForPackageOwnedByOrg({ ...scope, org: "acme" }),
    { status: 404 },
  );
  await assert.rejects(
    asUser("acme-admin").packages.getAllPackageVersionsForPackageOwnedByUser({ ...scope, username: "acme" }),
    { status: 404 },
  );
  // GitHub's packages API does not serve GitHub App installation tokens, whatever their permissions.
  const app = setupApp(twin, { slug: "devops-agent", account: "acme", permissions: { packages: "read" } });
  await assert.rejects(
    app.asInstallation.packages.getAllPackageVersionsForPackageOwnedByOrg({ ...scope, org: "acme" }),
    { status: 403 },
  );
});

test("package versions: a user's own package, and GITHUB_TOKEN with packages: read for its repository", async (t) => {
  const { twin, asUser, octokit } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "alice", name: "app" });
  const digest = publishImage(twin, { owner: "alice", packageName: "app", tags: ["sha-1"] });
  const scope = { package_type: "container" as const, package_name: "app" };
  const mine = await asUser("alice").packages.getAllPackageVersionsForPackageOwnedByAuthenticatedUser(scope);
  assert.deepEqual(
    mine.data.map((v) => v.name),
    [digest],
  );
  const run = (permissions: Record<string, "read">) =>
    octokit(
      twin.issueToken({
        kind: "run",
        runId: 1,
        repositoryIds: [repo.id],
        permissions,
        prefix: "ghs",
        ttlMs: 60_000,
      }).token,
    );
  const byRun = await run({ packages: "read" }).packages.getAllPackageVersionsForPackageOwnedByUser({
    ...scope,
    username: "alice",
  });
  assert.deepEqual(
    byRun.data.map((v) => v.name),
    [digest],
  );
  await assert.rejects(
    run({ contents: "read" }).packages.getAllPackageVersionsForPackageOwnedByUser({
      ...scope,
      username: "alice",
    }),
    { status: 404 },
  );
  await assert.rejects(
    asUser("alice").packages.getAllPackageVersionsForPackageOwnedByUser({
      ...scope,
      package_type: "npm",
      username: "alice",
    }),
    { status: 404 },
  );
});
