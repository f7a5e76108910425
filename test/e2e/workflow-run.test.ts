// End to end: a workflow_dispatch runs a real Action (bundled from the real @actions/core and @actions/github)
// as a child process under the Actions runtime contract, and everything it did is read back from the twin.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { ManualClock } from "../../src/sandbox/clock.ts";
import { createActionsOidcVerifier, oidcIssuerUrl } from "../../src/sandbox/github/oidc.ts";
import { newSecretBox } from "../../src/sandbox/github/secret-box.ts";
import type { Repo } from "../../src/sandbox/github/state.ts";
import { createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import { bundleFixtureAction } from "../fixtures/actions/bundle.ts";
import { startGithubTwin } from "../support/github-twin.ts";

const DEPLOY = `name: Deploy
on:
  workflow_dispatch:
    inputs:
      message:
        required: true
      report:
        required: true
      oidc-file:
        default: ""
      dry:
        type: boolean
        default: false
permissions:
  contents: read
concurrency: deploy-production
jobs:
  deploy:
    name: Deploy app
    runs-on: ubuntu-latest
    environment:
      name: production
      url: https://svc.example.test
    permissions:
      contents: read
      issues: write
      id-token: write
    timeout-minutes: 10
    steps:
      - id: echo
        name: Echo
        uses: acme/devops-agent@v1
        env:
          STEP_LEVEL: from-the-step
        with:
          message: \${{ inputs.message }}
          report-file: \${{ inputs.report }}
          api-key: \${{ secrets.API_KEY }}
          mask: hunter2-not-for-logs
          comment-on: "1"
          token: \${{ secrets.GITHUB_TOKEN }}
          oidc-audience: \${{ vars.OIDC_AUDIENCE }}
          oidc-file: \${{ inputs.oidc-file }}
      - name: Again
        uses: ./
        if: \${{ always() }}
        with:
          message: \${{ steps.echo.outputs.echo }} again (dry=\${{ github.event.inputs.dry }}, run \${{ github.run_id }})
`;

function seedSecrets(repo: Repo, now: string) {
  repo.secrets.API_KEY = { name: "API_KEY", value: "repo-level-key", createdAt: now, updatedAt: now };
  repo.variables.OIDC_AUDIENCE = {
    name: "OIDC_AUDIENCE",
    value: "https://devops-agent.example",
    createdAt: now,
    updatedAt: now,
  };
  repo.environments.production = {
    id: 1,
    name: "production",
    createdAt: now,
    updatedAt: now,
    protectedBranchesOnly: true,
    secretBox: newSecretBox(),
    secrets: { API_KEY: { name: "API_KEY", value: "production-key-0451", createdAt: now, updatedAt: now } },
    variables: {},
  };
}

async function setup(
  t: TestContext,
  options: { workflow?: string; runnerEnv?: Record<string, string> } = {},
) {
  const clock = new ManualClock("2026-01-01T00:00:00Z");
  const actionEntry = await bundleFixtureAction("echo-action");
  const harness = await startGithubTwin(t, {
    actionEntry,
    clock,
    ...(options.runnerEnv ? { runnerEnv: options.runnerEnv } : {}),
  });
  const gh = harness.asUser("alice");
  const repo = createRepo(harness.twin, {
    owner: "alice",
    name: "svc",
    files: { ".github/workflows/deploy.yml": options.workflow ?? DEPLOY },
  });
  seedSecrets(repo, harness.twin.now());
  await gh.issues.create({ owner: "alice", repo: "svc", title: "Deploy thread" });
  const scratch = mkdtempSync(join(tmpdir(), "workflow-run-e2e-"));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  return { ...harness, clock, gh, repo, scratch, o: { owner: "alice", repo: "svc" } };
}

interface Report {
  env: Record<string, string>;
  event: {
    inputs: Record<string, string>;
    ref: string;
    repository: { full_name: string };
    sender: { login: string };
    workflow: string;
  };
  apiKey: string;
  context: {
    repo: { owner: string; repo: string };
    runId: number;
    ref: string;
    sha: string;
    eventName: string;
    workflow: string;
    job: string;
    apiUrl: string;
  };
}

test("a dispatched run executes the real Action: outputs, step summary, masked log, run token, environment secrets", async (t) => {
  const { gh, o, twin, repo, scratch } = await setup(t);
  const report = join(scratch, "report.json");
  process.env.TWIN_PARENT_ONLY = "must-not-reach-the-action";
  t.after(() => delete process.env.TWIN_PARENT_ONLY);
  const dispatched = await gh.request(
    "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches",
    {
      ...o,
      workflow_id: "deploy.yml",
      ref: "main",
      inputs: { message: "hello", report },
      return_run_details: true,
    },
  );
  const runId = (dispatched.data as { workflow_run_id: number }).workflow_run_id;
  await twin.settled();

  const run = await gh.actions.getWorkflowRun({ ...o, run_id: runId });
  assert.equal(run.data.status, "completed");
  assert.equal(run.data.conclusion, "success");
  assert.equal(repo.runs[runId]?.concurrency, "deploy-production");
  const jobs = await gh.actions.listJobsForWorkflowRun({ ...o, run_id: runId });
  const [job] = jobs.data.jobs;
  assert.equal(job?.name, "Deploy app");
  assert.equal(job?.conclusion, "success");
  assert.deepEqual(job?.labels, ["ubuntu-latest"]);
  assert.deepEqual(
    job?.steps?.map((s) => [s.number, s.name, s.status, s.conclusion]),
    [
      [1, "Set up job", "completed", "success"],
      [2, "Echo", "completed", "success"],
      [3, "Again", "completed", "success"],
      [4, "Complete job", "completed", "success"],
    ],
  );
  const single = await gh.actions.getJobForWorkflowRun({ ...o, job_id: job?.id as number });
  assert.equal(single.data.id, job?.id);

  const stored = repo.jobs[job?.id as number];
  assert.equal(stored?.outputs.echo?.echo, "hello");
  assert.equal(stored?.outputs.echo?.lines, "first\nsecond", "heredoc outputs parsed");
  assert.equal(
    stored?.outputs["3"]?.echo,
    `hello again (dry=false, run ${runId})`,
    "steps.<id>.outputs and github.* reach the next step",
  );
  assert.match(stored?.summary ?? "", /<h2>Echo<\/h2>\nsaid: hello\n[\s\S]*said: hello again/);

  // The run token worked for what the job's permissions allow, as github-actions[bot], and died with the job.
  const comments = await gh.issues.listComments({ ...o, issue_number: 1 });
  assert.deepEqual(
    comments.data.map((c) => [c.user?.login, c.body]),
    [["github-actions[bot]", "echo: hello"]],
  );
  assert.equal(stored?.outputs.echo?.["comment-id"], String(comments.data[0]?.id));
  assert.deepEqual(
    Object.values(twin.world.tokens).filter((tk) => tk.kind === "run"),
    [],
  );

  // The runtime contract as the Action saw it.
  const seen = JSON.parse(readFileSync(report, "utf8")) as Report;
  assert.equal(seen.apiKey, "production-key-0451", "the Environment's secret wins over the repository's");
  assert.equal(seen.env.TWIN_PARENT_ONLY, undefined, "the parent's environment is not passed on");
  assert.equal(seen.env.STEP_LEVEL, "from-the-step");
  assert.equal(seen.env.GITHUB_API_URL, twin.url);
  assert.equal(seen.env.GITHUB_REF, "refs/heads/main");
  assert.equal(seen.env.GITHUB_WORKFLOW_REF, "alice/svc/.github/workflows/deploy.yml@refs/heads/main");
  assert.equal(seen.env.RUNNER_OS, "Linux");
  assert.equal(seen.env.CI, "true");
  assert.equal(seen.env.INPUT_MESSAGE, "hello");
  assert.equal(seen.env.GITHUB_TOKEN, undefined, "GitHub passes the token only when the workflow does");
  assert.deepEqual(seen.context, {
    repo: { owner: "alice", repo: "svc" },
    runId,
    ref: "refs/heads/main",
    sha: repo.refs["refs/heads/main"],
    eventName: "workflow_dispatch",
    workflow: "Deploy",
    job: "deploy",
    apiUrl: twin.url,
  });
  assert.deepEqual(seen.event.inputs, { message: "hello", report, "oidc-file": "", dry: "false" });
  assert.equal(seen.event.repository.full_name, "alice/svc");
  assert.equal(seen.event.sender.login, "alice");
  assert.equal(seen.event.workflow, ".github/workflows/deploy.yml");

  // The stored log: timestamps, folded steps, and no secret in clear.
  const log = stored?.log ?? "";
  assert.match(log, /^2026-01-01T00:00:00\.0000000Z ##\[group\]Run acme\/devops-agent@v1$/m);
  assert.match(log, /the masked value is \*\*\*/);
  assert.match(log, /api-key: \*\*\*/);
  for (const secret of [
    "hunter2-not-for-logs-derived",
    "production-key-0451",
    seen.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string,
  ]) {
    assert.ok(!log.includes(secret), `the log must not contain ${secret}`);
  }
  assert.equal(JSON.stringify(stored?.outputs).includes("hunter2"), false);
});

test("environment secrets reach the Action only for a run on the default branch", async (t) => {
  const { gh, o, twin, repo, scratch } = await setup(t);
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "feature",
    files: { "x.txt": "x" },
    message: "x",
    login: "alice",
  });
  const report = join(scratch, "feature.json");
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "feature",
    inputs: { message: "from a branch", report },
  });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const job = repo.jobs[run?.jobIds[0] as number];
  assert.equal(run?.conclusion, "failure");
  assert.equal(job?.conclusion, "failure");
  assert.match(
    job?.log ?? "",
    /##\[error\]Branch "feature" is not allowed to deploy to production due to environment protection rules\./,
  );
  assert.equal(existsSync(report), false, "the Action never ran");
  assert.equal(Object.keys(repo.comments).length, 0);
  assert.deepEqual(
    Object.values(twin.world.tokens).filter((tk) => tk.kind === "run"),
    [],
    "no token was issued or it was revoked",
  );

  // Protecting the branch is what lets it deploy.
  repo.protectedBranches.push("feature");
  const allowed = join(scratch, "protected.json");
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "feature",
    inputs: { message: "now protected", report: allowed },
  });
  await twin.settled();
  assert.equal((JSON.parse(readFileSync(allowed, "utf8")) as Report).apiKey, "production-key-0451");
});

test("OIDC: the Action's ID token verifies against the twin's JWKS with GitHub's claims", async (t) => {
  const { gh, o, twin, repo, scratch, clock } = await setup(t);
  const oidcFile = join(scratch, "id-token.jwt");
  const report = join(scratch, "report.json");
  const issuer = oidcIssuerUrl(twin);
  const config = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    issuer: string;
    jwks_uri: string;
  };
  assert.equal(config.issuer, issuer);
  assert.equal(config.jwks_uri, `${issuer}/.well-known/jwks`);
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "oidc", report, "oidc-file": oidcFile },
  });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const jwt = readFileSync(oidcFile, "utf8");
  const verify = createActionsOidcVerifier({ issuer, audience: "https://devops-agent.example", clock });
  const claims = await verify(jwt);
  assert.equal(claims.sub, "repo:alice/svc:environment:production");
  assert.equal(claims.aud, "https://devops-agent.example");
  assert.equal(claims.repository, "alice/svc");
  assert.equal(claims.repository_id, String(repo.id));
  assert.equal(claims.repository_owner, "alice");
  assert.equal(claims.ref, "refs/heads/main");
  assert.equal(claims.sha, repo.refs["refs/heads/main"]);
  assert.equal(claims.workflow, "Deploy");
  assert.equal(claims.workflow_ref, "alice/svc/.github/workflows/deploy.yml@refs/heads/main");
  assert.equal(claims.job_workflow_ref, "alice/svc/.github/workflows/deploy.yml@refs/heads/main");
  assert.equal(claims.run_id, String(run?.id));
  assert.equal(claims.run_attempt, "1");
  assert.equal(claims.actor, "alice");
  assert.equal(claims.event_name, "workflow_dispatch");
  assert.equal(claims.environment, "production");
  assert.equal(claims.iat, Date.parse("2026-01-01T00:00:00Z") / 1000);
  assert.equal(claims.exp - claims.iat, 300);
  assert.ok(!(repo.jobs[run?.jobIds[0] as number]?.log ?? "").includes(jwt), "the ID token is masked");

  // Another audience, an expired token and the ended job's request token are all refused.
  await assert.rejects(createActionsOidcVerifier({ issuer, audience: "someone-else", clock })(jwt), /aud/);
  clock.advance(301_000);
  await assert.rejects(verify(jwt), /exp/);
  const seen = JSON.parse(readFileSync(report, "utf8")) as Report;
  assert.equal(seen.env.ACTIONS_ID_TOKEN_REQUEST_URL, `${issuer}/token?api-version=2.0`);
  const late = await fetch(`${seen.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=x`, {
    headers: { authorization: `Bearer ${seen.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
  });
  assert.equal(late.status, 401, "the request token ends with the job");
});

test("without id-token: write the Action gets no OIDC endpoint; without an Environment, repository secrets", async (t) => {
  const workflow = DEPLOY.replace("      id-token: write\n", "").replace(
    "    environment:\n      name: production\n      url: https://svc.example.test\n",
    "",
  );
  const { gh, o, twin, scratch } = await setup(t, { workflow });
  const report = join(scratch, "report.json");
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "no oidc", report },
  });
  await twin.settled();
  const seen = JSON.parse(readFileSync(report, "utf8")) as Report;
  assert.equal(seen.env.ACTIONS_ID_TOKEN_REQUEST_URL, undefined);
  assert.equal(seen.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, undefined);
  assert.equal(seen.apiKey, "repo-level-key", "without an Environment, the repository's secret");
});

test("OIDC without an Environment: the sub names the ref", async (t) => {
  const workflow = DEPLOY.replace(
    "    environment:\n      name: production\n      url: https://svc.example.test\n",
    "",
  );
  const { gh, o, twin, scratch, clock } = await setup(t, { workflow });
  const oidcFile = join(scratch, "id-token.jwt");
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "ref", report: join(scratch, "r.json"), "oidc-file": oidcFile },
  });
  await twin.settled();
  const verify = createActionsOidcVerifier({
    issuer: oidcIssuerUrl(twin),
    audience: "https://devops-agent.example",
    clock,
  });
  const claims = await verify(readFileSync(oidcFile, "utf8"));
  assert.equal(claims.sub, "repo:alice/svc:ref:refs/heads/main");
  assert.equal(claims.environment, undefined);
});

const FAILING = (step: string, job = "") => `name: Fails
on: workflow_dispatch
jobs:
  work:
    runs-on: ubuntu-latest
${job}    steps:
      - id: first
        uses: acme/devops-agent@v1
        with:
${step}
      - name: Cleanup
        uses: acme/devops-agent@v1
        if: \${{ always() }}
        with:
          message: cleanup
      - name: Skipped
        uses: acme/devops-agent@v1
        with:
          message: never
`;

test("a failing Action fails the step, skips what follows except always() steps, and fails the run", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    workflow: FAILING('          message: boom\n          fail: "true"'),
  });
  await gh.actions.createWorkflowDispatch({ ...o, workflow_id: "deploy.yml", ref: "main" });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const job = repo.jobs[run?.jobIds[0] as number];
  assert.equal(run?.conclusion, "failure");
  assert.deepEqual(
    job?.steps.map((s) => s.conclusion),
    ["success", "failure", "success", "skipped", "success"],
  );
  assert.match(job?.log ?? "", /##\[error\]asked to fail after saying boom/);
  assert.match(job?.log ?? "", /##\[error\]Process completed with exit code 1\./);
  assert.equal(job?.outputs["3"]?.echo, "cleanup");
});

test("timeout-minutes kills the Action and cancels the job", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    workflow: FAILING('          message: slow\n          sleep-ms: "20000"', "    timeout-minutes: 0.02\n"),
  });
  const started = Date.now();
  await gh.actions.createWorkflowDispatch({ ...o, workflow_id: "deploy.yml", ref: "main" });
  await twin.settled();
  assert.ok(Date.now() - started < 10_000, "killed, not waited for");
  const [run] = Object.values(repo.runs);
  const job = repo.jobs[run?.jobIds[0] as number];
  assert.equal(job?.conclusion, "cancelled");
  assert.equal(run?.conclusion, "cancelled");
  assert.deepEqual(
    job?.steps.map((s) => s.conclusion),
    ["success", "cancelled", "skipped", "skipped", "success"],
  );
  assert.match(
    job?.log ?? "",
    /##\[error\]The job running on runner GitHub Actions 1 has exceeded the maximum execution time of 0\.02 minutes\./,
  );
});

test("workflow_run events announce requested, in_progress and completed", async (t) => {
  const { gh, o, twin, scratch } = await setup(t);
  const seen: string[] = [];
  twin.events.on("workflow_run", (e) => seen.push(`${e.action}:${e.repoFullName}:${e.senderLogin}`));
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "e", report: join(scratch, "r.json") },
  });
  await twin.settled();
  assert.deepEqual(seen, [
    "requested:alice/svc:alice",
    "in_progress:alice/svc:alice",
    "completed:alice/svc:alice",
  ]);
});

test("toJSON(secrets) hands the Action every secret the job sees; the runner's own env reaches every step", async (t) => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: workflow expressions, quoted literally
  const workflow = DEPLOY.replace("api-key: ${{ secrets.API_KEY }}", "api-key: ${{ toJSON(secrets) }}");
  const { gh, o, twin, repo, scratch } = await setup(t, {
    workflow,
    runnerEnv: {
      DEVOPS_AGENT_DNS_RESOLVER: "127.0.0.1:5353",
      GITHUB_REF: "refs/heads/not-the-runners-to-set",
    },
  });
  const report = join(scratch, "report.json");
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "x", report },
  });
  await twin.settled();
  const seen = JSON.parse(readFileSync(report, "utf8")) as Report;
  const secrets = JSON.parse(seen.apiKey) as Record<string, string>;
  assert.equal(
    secrets.API_KEY,
    "production-key-0451",
    "the Environment's value, as secrets.API_KEY gives it",
  );
  assert.match(secrets.github_token ?? "", /^ghs_/, "GitHub names the job token github_token here");
  assert.equal(seen.env.DEVOPS_AGENT_DNS_RESOLVER, "127.0.0.1:5353");
  assert.equal(seen.env.GITHUB_REF, "refs/heads/main", "the runtime contract wins over the runner's env");
  const [job] = Object.values(repo.jobs);
  assert.match(job?.log ?? "", /Secret source: Actions/, "the job ran and logged");
  assert.ok(!(job?.log ?? "").includes("production-key-0451"), "each value stays masked in the log");
});
