import assert from "node:assert/strict";
import { test } from "node:test";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

test("variables: create 201, duplicate 409, update 204 (value and rename), delete 204", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const gh = asUser("acme");
  const scope = { owner: "acme", repo: "svc" };
  const created = await gh.actions.createRepoVariable({
    ...scope,
    name: "app_url",
    value: "https://a.example.org",
  });
  assert.equal(created.status, 201);
  assert.deepEqual(created.data, {});
  assert.equal(repo.variables.APP_URL?.value, "https://a.example.org");
  await assert.rejects(
    gh.actions.createRepoVariable({ ...scope, name: "APP_URL", value: "other" }),
    (e: { status: number; message: string }) => e.status === 409 && /Already exists/.test(e.message),
  );
  assert.equal(repo.variables.APP_URL?.value, "https://a.example.org");

  const updated = await gh.actions.updateRepoVariable({
    ...scope,
    name: "App_Url",
    value: "https://b.example.org",
  });
  assert.equal(updated.status, 204);
  assert.equal(
    (await gh.actions.getRepoVariable({ ...scope, name: "APP_URL" })).data.value,
    "https://b.example.org",
  );
  await gh.actions.createRepoVariable({ ...scope, name: "OTHER", value: "x" });
  // Renaming: the body's `name` (Octokit's method takes the path's, so the raw route).
  const rename = (from: string, to: string) =>
    gh.request("PATCH /repos/{owner}/{repo}/actions/variables/{current}", {
      ...scope,
      current: from,
      name: to,
    });
  await assert.rejects(rename("OTHER", "app_url"), { status: 409 });
  assert.equal((await rename("OTHER", "renamed")).status, 204);
  assert.deepEqual(Object.keys(repo.variables).sort(), ["APP_URL", "RENAMED"]);
  assert.equal(repo.variables.RENAMED?.value, "x");

  assert.equal((await gh.actions.deleteRepoVariable({ ...scope, name: "app_url" })).status, 204);
  await assert.rejects(gh.actions.getRepoVariable({ ...scope, name: "APP_URL" }), { status: 404 });
  await assert.rejects(gh.actions.createRepoVariable({ ...scope, name: "GITHUB_SHA", value: "x" }), {
    status: 422,
  });
});

test("variables: 10 per page by default, at most 30, with total_count", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  for (let i = 0; i < 35; i++) {
    const name = `V${String(i).padStart(2, "0")}`;
    repo.variables[name] = { name, value: String(i), createdAt: twin.now(), updatedAt: twin.now() };
  }
  const gh = asUser("acme");
  const first = await gh.actions.listRepoVariables({ owner: "acme", repo: "svc" });
  assert.equal(first.data.total_count, 35);
  assert.equal(first.data.variables.length, 10);
  const big = await gh.actions.listRepoVariables({ owner: "acme", repo: "svc", per_page: 100 });
  assert.equal(big.data.variables.length, 30);
  const last = await gh.actions.listRepoVariables({ owner: "acme", repo: "svc", per_page: 30, page: 2 });
  assert.deepEqual(
    last.data.variables.map((v) => v.name),
    ["V30", "V31", "V32", "V33", "V34"],
  );
});
