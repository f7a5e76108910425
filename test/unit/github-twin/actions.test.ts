import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { strFromU8, unzipSync } from "fflate";
import { ManualClock } from "../../../src/sandbox/clock.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { createRepo, pushFiles } from "../../../src/sandbox/github/world.ts";
import { bundleFixtureAction } from "../../fixtures/actions/bundle.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

const DISPATCH = `
on:
  workflow_dispatch:
    inputs:
      message:
        required: true
      mode:
        type: choice
        options: [plan, apply]
        default: plan
      dry:
        type: boolean
        default: true
`;

function workflow(options: { name?: string; top?: string; job?: string; steps: string }): string {
  return `name: ${options.name ?? "Deploy"}
${DISPATCH}
${options.top ?? ""}
jobs:
  deploy:
    name: Deploy app
    runs-on: ubuntu-latest
${options.job ?? ""}
    steps:
${options.steps}
`;
}

const ECHO_STEP = `      - id: echo
        uses: acme/devops-agent@v1
        with:
          message: \${{ inputs.message }}
`;

function userToken(twin: GithubTwin, login: string): string {
  const found = Object.values(twin.world.tokens).find((tk) => tk.kind === "user" && tk.login === login);
  if (!found) throw new Error(`no token for ${login}`);
  return found.token;
}

async function setup(
  t: TestContext,
  files: Record<string, string>,
  options: { clock?: ManualClock; actionEntry?: string } = {},
) {
  const actionEntry = options.actionEntry ?? (await bundleFixtureAction("echo-action"));
  const harness = await startGithubTwin(t, {
    actionEntry,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const gh = harness.asUser("alice");
  const repo = createRepo(harness.twin, {
    owner: "alice",
    name: "svc",
    files: { "README.md": "svc\n", ...files },
  });
  const scratch = mkdtempSync(join(tmpdir(), "actions-test-"));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  return { ...harness, gh, repo, scratch, o: { owner: "alice", repo: "svc" } };
}

test("workflows: listed from the default branch with the YAML name, a stable id, and found by file name", async (t) => {
  const { gh, o, twin } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
    ".github/workflows/build.yaml": "name: Build\non: push\njobs: {}\n",
    ".github/workflows/notes.txt": "not a workflow",
    ".github/other.yml": "name: Elsewhere\n",
  });
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "topic",
    files: { ".github/workflows/topic.yml": "name: Topic\n" },
    message: "t",
    login: "alice",
  });
  const list = await gh.actions.listRepoWorkflows(o);
  assert.equal(list.data.total_count, 2);
  assert.deepEqual(
    list.data.workflows.map((w) => [w.name, w.path, w.state]),
    [
      ["Build", ".github/workflows/build.yaml", "active"],
      ["Deploy", ".github/workflows/deploy.yml", "active"],
    ],
  );
  const deploy = list.data.workflows[1];
  const byFile = await gh.actions.getWorkflow({ ...o, workflow_id: "deploy.yml" });
  const byId = await gh.actions.getWorkflow({ ...o, workflow_id: deploy?.id as number });
  assert.equal(byFile.data.id, deploy?.id);
  assert.equal(byId.data.path, ".github/workflows/deploy.yml");
  const again = await gh.actions.listRepoWorkflows(o);
  assert.equal(again.data.workflows[1]?.id, deploy?.id, "ids are stable");
  await assert.rejects(gh.actions.getWorkflow({ ...o, workflow_id: "topic.yml" }), { status: 404 });
});

test("dispatch: 204 by default, 200 with the run's id and URLs when return_run_details is true", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
  });
  const plain = await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "a" },
  });
  assert.equal(plain.status, 204);
  assert.ok(!plain.data, "no body");
  const detailed = await gh.request("POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", {
    ...o,
    workflow_id: "deploy.yml",
    ref: "refs/heads/main",
    inputs: { message: "b", mode: "apply" },
    return_run_details: true,
  });
  assert.equal(detailed.status, 200);
  const runId = (detailed.data as { workflow_run_id: number }).workflow_run_id;
  assert.equal(
    (detailed.data as { run_url: string }).run_url,
    `${twin.url}/repos/alice/svc/actions/runs/${runId}`,
  );
  const queued = await gh.actions.getWorkflowRun({ ...o, run_id: runId });
  assert.equal(queued.data.event, "workflow_dispatch");
  assert.equal(queued.data.head_branch, "main");
  assert.equal(queued.data.head_sha, repo.refs["refs/heads/main"]);
  assert.equal(queued.data.actor?.login, "alice");
  assert.deepEqual(
    repo.runs[runId]?.inputs,
    { message: "b", mode: "apply", dry: "true" },
    "defaults applied",
  );
  await twin.settled();
  const done = await gh.actions.getWorkflowRun({ ...o, run_id: runId });
  assert.equal(done.data.status, "completed");
  assert.equal(done.data.conclusion, "success");
  assert.equal(done.data.run_number, 2);
  assert.deepEqual(done.data.pull_requests, []);
});

test("dispatch: refuses with 422 a sha, a workflow without the trigger, unexpected, missing and invalid inputs", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
    ".github/workflows/build.yml":
      "name: Build\non: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: ./\n",
  });
  const dispatch = (body: { workflow_id?: string; ref?: string; inputs?: Record<string, unknown> }) =>
    gh.actions.createWorkflowDispatch({ ...o, workflow_id: "deploy.yml", ref: "main", ...body });
  const refusal = async (promise: Promise<unknown>, message: RegExp) =>
    assert.rejects(
      promise,
      (e: { status: number; message: string }) => e.status === 422 && message.test(e.message),
    );
  await refusal(
    dispatch({ ref: repo.refs["refs/heads/main"] as string, inputs: { message: "x" } }),
    /No ref found/,
  );
  await refusal(dispatch({ ref: "nope", inputs: { message: "x" } }), /No ref found/);
  await refusal(
    dispatch({ workflow_id: "build.yml", inputs: {} }),
    /does not have 'workflow_dispatch' trigger/,
  );
  await refusal(
    dispatch({ inputs: { message: "x", extra: "y" } }),
    /Unexpected inputs provided: \["extra"\]/,
  );
  await refusal(dispatch({ inputs: {} }), /Required input 'message' not provided/);
  await refusal(dispatch({ inputs: { message: "x", mode: "destroy" } }), /not in the list of allowed values/);
  await refusal(dispatch({ inputs: { message: "x", dry: "maybe" } }), /not a valid boolean/);
  await assert.rejects(dispatch({ workflow_id: "missing.yml", inputs: {} }), { status: 404 });
  await twin.settled();
  assert.equal(Object.keys(repo.runs).length, 0, "no refused dispatch created a run");
});

test("dispatch: the workflow file is read at the dispatched ref", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
  });
  // On the branch, the same workflow declares no inputs at all.
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "topic",
    files: {
      ".github/workflows/deploy.yml":
        "name: Deploy\non: workflow_dispatch\njobs:\n  d:\n    runs-on: x\n    steps:\n      - uses: ./\n        with:\n          message: hi\n",
    },
    message: "no inputs",
    login: "alice",
  });
  await assert.rejects(
    gh.actions.createWorkflowDispatch({
      ...o,
      workflow_id: "deploy.yml",
      ref: "topic",
      inputs: { message: "x" },
    }),
    { status: 422 },
  );
  await gh.actions.createWorkflowDispatch({ ...o, workflow_id: "deploy.yml", ref: "topic" });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  assert.equal(run?.headBranch, "topic");
  assert.equal(run?.headSha, repo.refs["refs/heads/topic"]);
  assert.equal(run?.conclusion, "success");
});

test("runs: listed per repository and per workflow, filtered by status, event, branch, head_sha and actor", async (t) => {
  const { gh, o, twin, repo, asUser } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
    ".github/workflows/other.yml": workflow({ name: "Other", steps: ECHO_STEP }),
  });
  repo.collaborators.bob = "write";
  const bob = asUser("bob");
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "topic",
    files: { "x.txt": "x" },
    message: "x",
    login: "alice",
  });
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "1" },
  });
  await bob.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "topic",
    inputs: { message: "2" },
  });
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "other.yml",
    ref: "main",
    inputs: { message: "3" },
  });
  await twin.settled();
  const all = await gh.actions.listWorkflowRunsForRepo(o);
  assert.equal(all.data.total_count, 3);
  const perWorkflow = await gh.actions.listWorkflowRuns({ ...o, workflow_id: "deploy.yml" });
  assert.deepEqual(
    perWorkflow.data.workflow_runs.map((r) => r.head_branch),
    ["topic", "main"],
    "newest first",
  );
  const byActor = await gh.actions.listWorkflowRunsForRepo({ ...o, actor: "bob" });
  assert.deepEqual(
    byActor.data.workflow_runs.map((r) => r.head_branch),
    ["topic"],
  );
  const byBranch = await gh.actions.listWorkflowRunsForRepo({ ...o, branch: "main" });
  assert.equal(byBranch.data.total_count, 2);
  const bySha = await gh.actions.listWorkflowRunsForRepo({
    ...o,
    head_sha: repo.refs["refs/heads/topic"] as string,
  });
  assert.equal(bySha.data.total_count, 1);
  assert.equal((await gh.actions.listWorkflowRunsForRepo({ ...o, status: "success" })).data.total_count, 3);
  assert.equal(
    (await gh.actions.listWorkflowRunsForRepo({ ...o, status: "in_progress" })).data.total_count,
    0,
  );
  assert.equal((await gh.actions.listWorkflowRunsForRepo({ ...o, event: "push" })).data.total_count, 0);
});

test("logs: 302 to a token-less link served without Authorization, expiring after 60 s of the twin's clock", async (t) => {
  const clock = new ManualClock();
  const { gh, o, twin, repo } = await setup(
    t,
    { ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }) },
    { clock },
  );
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "logged" },
  });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const jobId = run?.jobIds[0] as number;
  const token = userToken(twin, "alice");
  const first = await fetch(`${twin.url}/repos/alice/svc/actions/jobs/${jobId}/logs`, {
    headers: { authorization: `token ${token}` },
    redirect: "manual",
  });
  assert.equal(first.status, 302);
  const location = first.headers.get("location") as string;
  assert.match(location, new RegExp(`^${twin.url}/_logs/[A-Za-z0-9_-]+$`));
  assert.ok(!location.includes(token));
  const second = new Request(location);
  assert.equal(
    second.headers.get("authorization"),
    null,
    "the redirect target is fetched without credentials",
  );
  const log = await fetch(second);
  assert.equal(log.status, 200);
  const text = await log.text();
  assert.equal(text, repo.jobs[jobId]?.log);
  assert.match(text, /^2026-01-01T00:00:00\.0000000Z /m);
  assert.match(text, /##\[group\]Run acme\/devops-agent@v1/);
  clock.advance(59_000);
  assert.equal((await fetch(location)).status, 200);
  clock.advance(1_000);
  assert.equal((await fetch(location)).status, 403, "the link expires 60 s after it was made");
  // Octokit follows the redirect itself, as the App's triage does.
  const viaOctokit = await gh.actions.downloadJobLogsForWorkflowRun({ ...o, job_id: jobId });
  assert.equal(viaOctokit.status, 200);
  assert.equal(String(viaOctokit.data), repo.jobs[jobId]?.log);
});

test("logs: the run's logs are a zip with one numbered text file per job", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({ steps: ECHO_STEP }),
  });
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "zipped" },
  });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const redirect = await fetch(`${twin.url}/repos/alice/svc/actions/runs/${run?.id}/logs`, {
    headers: { authorization: `token ${userToken(twin, "alice")}` },
    redirect: "manual",
  });
  assert.equal(redirect.status, 302);
  const location = redirect.headers.get("location");
  assert.ok(location?.startsWith(`${twin.url}/_logs/`));
  const zip = await fetch(location as string);
  assert.equal(zip.headers.get("content-type"), "application/zip");
  const entries = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  assert.deepEqual(Object.keys(entries), ["0_Deploy app.txt"]);
  assert.equal(
    strFromU8(entries["0_Deploy app.txt"] as Uint8Array),
    repo.jobs[run?.jobIds[0] as number]?.log,
  );
});

test("refusals: an unsupported key, a run: step, a foreign uses: and an unsupported expression fail the run loudly", async (t) => {
  const cases: [string, string, RegExp][] = [
    [
      "top.yml",
      workflow({ top: "env:\n  A: b\n", steps: ECHO_STEP }),
      /##\[error\]Unsupported key 'env' in the workflow/,
    ],
    [
      "job.yml",
      workflow({ job: "    needs: [build]\n", steps: ECHO_STEP }),
      /##\[error\]Unsupported key 'needs' in job 'deploy'/,
    ],
    [
      "run.yml",
      workflow({ steps: `${ECHO_STEP}      - run: echo hi\n` }),
      /##\[error\]Unsupported key 'run' in job 'deploy' step 2: the twin's runner executes only this project's Action/,
    ],
    [
      "foreign.yml",
      workflow({ steps: `      - uses: actions/checkout@v4\n${ECHO_STEP}` }),
      /##\[error\]Unsupported action 'actions\/checkout@v4' in job 'deploy' step 1/,
    ],
    [
      "expr.yml",
      workflow({ steps: `${ECHO_STEP}          extra: \${{ github.event.pull_request.title }}\n` }),
      /##\[error\]Unsupported expression \$\{\{ github\.event\.pull_request\.title \}\}/,
    ],
    [
      "if.yml",
      workflow({ steps: `${ECHO_STEP}        if: \${{ success() }}\n` }),
      /##\[error\]Unsupported condition 'if: \$\{\{ success\(\) \}\}'/,
    ],
  ];
  const files = Object.fromEntries(cases.map(([file, text]) => [`.github/workflows/${file}`, text]));
  const { gh, o, twin, repo, scratch } = await setup(t, files);
  for (const [file] of cases) {
    await gh.actions.createWorkflowDispatch({
      ...o,
      workflow_id: file,
      ref: "main",
      inputs: { message: join(scratch, file) },
    });
  }
  await twin.settled();
  for (const [file, , error] of cases) {
    const run = Object.values(repo.runs).find((r) => r.workflowPath.endsWith(file));
    assert.equal(run?.conclusion, "failure", file);
    const job = repo.jobs[run?.jobIds[0] as number];
    assert.equal(job?.conclusion, "failure", file);
    assert.match(job?.log ?? "", error, file);
    assert.deepEqual(Object.keys(job?.outputs ?? {}), [], `${file}: no step ran`);
    assert.equal(job?.steps[0]?.conclusion, "failure", `${file}: set up job failed`);
    assert.ok(
      job?.steps.slice(1, -1).every((s) => s.conclusion === "skipped"),
      file,
    );
  }
});

test("a workflow that is not YAML still yields a failed run whose job log says why", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/broken.yml": "on: workflow_dispatch\njobs: [\n",
  });
  await assert.rejects(gh.actions.createWorkflowDispatch({ ...o, workflow_id: "broken.yml", ref: "main" }), {
    status: 422,
  });
  pushFiles(twin, {
    repo: "alice/svc",
    branch: "main",
    files: { ".github/workflows/broken.yml": "on: workflow_dispatch\nname: Broken\nruns: true\n" },
    message: "broken",
    login: "alice",
  });
  await gh.actions.createWorkflowDispatch({ ...o, workflow_id: "broken.yml", ref: "main" });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  assert.equal(run?.conclusion, "failure");
  const jobs = await gh.actions.listJobsForWorkflowRun({ ...o, run_id: run?.id as number });
  assert.equal(jobs.data.total_count, 1);
  const log = repo.jobs[run?.jobIds[0] as number]?.log ?? "";
  assert.match(log, /##\[error\]Unsupported key 'runs' in the workflow/);
  assert.match(log, /##\[error\]Invalid workflow file: 'jobs' must map at least one job id/);
});

test("the run token carries the job's permissions only: issues: read cannot comment, and the token dies with the job", async (t) => {
  const { gh, o, twin, repo } = await setup(t, {
    ".github/workflows/deploy.yml": workflow({
      job: "    permissions:\n      issues: read\n",
      steps: `      - uses: acme/devops-agent@v1\n        with:\n          message: hi\n          comment-on: "1"\n          token: \${{ github.token }}\n`,
    }),
  });
  await gh.issues.create({ ...o, title: "thread" });
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "x" },
  });
  await twin.settled();
  const [run] = Object.values(repo.runs);
  const log = repo.jobs[run?.jobIds[0] as number]?.log ?? "";
  assert.equal(run?.conclusion, "failure");
  assert.match(log, /##\[group\]GITHUB_TOKEN Permissions\n.*Metadata: read\n.*Issues: read\n/);
  assert.match(log, /##\[error\]Resource not accessible by integration/);
  assert.match(log, /token: \*\*\*/, "the token is masked where the step's inputs are shown");
  assert.equal(Object.keys(repo.comments).length, 0);
  assert.deepEqual(
    Object.values(twin.world.tokens).filter((tk) => tk.kind === "run"),
    [],
    "revoked at the end of the job",
  );
});

test("the Action's action.yml input defaults fill what with: leaves out, expressions included", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "action-with-metadata-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "dist"));
  copyFileSync(await bundleFixtureAction("echo-action"), join(dir, "dist", "index.mjs"));
  writeFileSync(
    join(dir, "action.yml"),
    "name: echo\ninputs:\n  message:\n    default: default for $" +
      "{{ github.repository }}\n  mode:\n    required: false\nruns:\n  using: node24\n  main: dist/index.mjs\n",
  );
  const steps =
    "      - id: bare\n        uses: acme/devops-agent@v1\n      - id: given\n        uses: acme/devops-agent@v1\n        with:\n          message: given\n";
  const { gh, o, twin, repo } = await setup(
    t,
    { ".github/workflows/deploy.yml": workflow({ steps }) },
    { actionEntry: join(dir, "dist", "index.mjs") },
  );
  await gh.actions.createWorkflowDispatch({
    ...o,
    workflow_id: "deploy.yml",
    ref: "main",
    inputs: { message: "x" },
  });
  await twin.settled();
  const job = repo.jobs[Object.values(repo.runs)[0]?.jobIds[0] as number];
  assert.equal(job?.conclusion, "success", job?.log);
  assert.equal(job?.outputs.bare?.echo, "default for alice/svc");
  assert.equal(job?.outputs.given?.echo, "given");
});
