import assert from "node:assert/strict";
import { test } from "node:test";
import { createRepo } from "../../../src/sandbox/github/world.ts";
import { startGithubTwin } from "../../support/github-twin.ts";
import { setupApp } from "./app-helpers.ts";

const scope = { owner: "acme", repo: "svc", environment_name: "production" };

test("environment variables: 201 on create, 409 on a taken name, 204 on update and delete, upper-cased, served back", async (t) => {
  const { twin, asUser } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  const gh = asUser("acme");
  await assert.rejects(gh.actions.listEnvironmentVariables(scope), { status: 404 });
  await gh.repos.createOrUpdateEnvironment(scope);

  const created = await gh.actions.createEnvironmentVariable({
    ...scope,
    name: "fp_token",
    value: "sha256:ab",
  });
  assert.equal(created.status, 201);
  assert.equal(repo.environments.production?.variables.FP_TOKEN?.value, "sha256:ab");
  assert.deepEqual(repo.variables, {}, "an Environment's variable is not the repository's");
  await assert.rejects(gh.actions.createEnvironmentVariable({ ...scope, name: "FP_TOKEN", value: "x" }), {
    status: 409,
  });
  await assert.rejects(gh.actions.createEnvironmentVariable({ ...scope, name: "GITHUB_X", value: "x" }), {
    status: 422,
  });
  await assert.rejects(gh.actions.createEnvironmentVariable({ ...scope, name: "1BAD", value: "x" }), {
    status: 422,
  });

  const got = await gh.actions.getEnvironmentVariable({ ...scope, name: "Fp_Token" });
  assert.equal(got.data.value, "sha256:ab");
  const updated = await gh.actions.updateEnvironmentVariable({
    ...scope,
    name: "FP_TOKEN",
    value: "sha256:cd",
  });
  assert.equal(updated.status, 204);
  assert.equal(repo.environments.production?.variables.FP_TOKEN?.value, "sha256:cd");
  const listed = await gh.actions.listEnvironmentVariables(scope);
  assert.deepEqual(
    listed.data.variables.map((v) => [v.name, v.value]),
    [["FP_TOKEN", "sha256:cd"]],
  );

  assert.equal((await gh.actions.deleteEnvironmentVariable({ ...scope, name: "fp_token" })).status, 204);
  assert.deepEqual(repo.environments.production?.variables, {});
  await assert.rejects(gh.actions.getEnvironmentVariable({ ...scope, name: "FP_TOKEN" }), { status: 404 });
});

test("environment variables through an installation token: environments permission, not actions_variables", async (t) => {
  const { twin, asUser, octokit } = await startGithubTwin(t);
  const repo = createRepo(twin, { owner: "acme", name: "svc" });
  await asUser("acme").repos.createOrUpdateEnvironment(scope);
  const app = setupApp(twin, {
    slug: "devops-agent",
    account: "acme",
    permissions: { environments: "write", actions_variables: "write" },
  });
  const withEnvironments = await app.token({ permissions: { environments: "write" } });
  const onlyVariables = await app.token({ permissions: { actions_variables: "write" } });
  await octokit(withEnvironments).actions.createEnvironmentVariable({ ...scope, name: "A", value: "1" });
  assert.equal(repo.environments.production?.variables.A?.value, "1");
  await assert.rejects(
    octokit(onlyVariables).actions.createEnvironmentVariable({ ...scope, name: "B", value: "2" }),
    { status: 403 },
  );
  assert.equal(repo.environments.production?.variables.B, undefined);
});
