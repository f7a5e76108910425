// The bundled Action, dispatched by the real App on the sandbox (GitHub, Dokploy and Cloudflare twins, the lab),
// on the paths that go wrong: a deployment that fails (triaged with the same engine as CI failures), a dispatch
// by hand replaying an approved one, drift between plan and apply, and secrets placed wherever a log or an error
// could carry them. Everything is read back from the twins' state.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { addRecord, setZoneSsl, zoneSsl } from "../../src/sandbox/cloudflare/world.ts";
import {
  applyOutputs,
  configureRepository,
  latestDeployment,
  mergeOnboarding,
  openChangePullRequest,
  personOctokit,
  repoOf,
  runsOf,
  worldSnapshot,
} from "../../src/sandbox/demo.ts";
import { addApiKey } from "../../src/sandbox/dokploy/world.ts";
import { mulberry32 } from "../../src/sandbox/faults.ts";
import { SANDBOX, type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/sandbox.ts";

const { owner, repo } = SANDBOX;

async function sandboxFor(t: TestContext, options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox(options);
  t.after(() => sandbox.close());
  return sandbox;
}

/** Onboarding merged, the admins' manual steps done, wes's PR with the domain planned (the plan run filled the diff). */
async function planned(
  sandbox: Sandbox,
  options: { postLogs?: boolean; proxied?: boolean } = {},
): Promise<{ pr: number; head: string }> {
  assert.ok(await mergeOnboarding(sandbox), "onboarding merged");
  await configureRepository(sandbox, options.postLogs ? { postLogs: true } : {});
  const pr = await openChangePullRequest(sandbox, {
    login: "wes",
    branch: "greeting",
    domain: true,
    proxied: options.proxied === true,
  });
  await comment(sandbox, "wes", pr.number, "/devops deploy");
  assert.equal(runsOf(sandbox, "plan").at(-1)?.conclusion, "success", "the plan run filled the live diff");
  return { pr: pr.number, head: pr.headSha };
}

async function comment(sandbox: Sandbox, login: string, pr: number, body: string): Promise<number> {
  const { data } = await personOctokit(sandbox, login).issues.createComment({
    owner,
    repo,
    issue_number: pr,
    body,
  });
  await sandbox.twin.settled();
  return data.id;
}

function thread(sandbox: Sandbox, pr: number): { author: string; body: string }[] {
  return Object.values(repoOf(sandbox)?.comments ?? {})
    .filter((c) => c.issueNumber === pr)
    .sort((a, b) => a.id - b.id)
    .map((c) => ({ author: c.userLogin, body: c.body }));
}

function actionReport(sandbox: Sandbox, pr: number): string {
  const found = thread(sandbox, pr).filter((c) => c.author === "github-actions[bot]");
  return found.at(-1)?.body ?? "";
}

/** What the real image prints when pnpm 10 skipped better-sqlite3's build (../shared/lab/SEED-FAILURE.md). */
const BINDINGS_CRASH = `/app/node_modules/.pnpm/bindings@1.5.0/node_modules/bindings/bindings.js:126
  err = new Error(
        ^

Error: Could not locate the bindings file. Tried:
 → /app/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/build/better_sqlite3.node
 → /app/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/build/Debug/better_sqlite3.node
 → /app/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/build/Release/better_sqlite3.node
    at bindings (/app/node_modules/.pnpm/bindings@1.5.0/node_modules/bindings/bindings.js:126:9)
    at new Database (/app/node_modules/.pnpm/better-sqlite3@12.11.1/node_modules/better-sqlite3/lib/database.js:48:64)
    at file:///app/src/server.js:6:12

Node.js v24.11.1
`;

/** An image whose process writes `output` and exits 1, as a container that cannot start does. */
function crashingImage(output: string): SandboxOptions["resolveImage"] {
  return () => ({
    cwd: process.cwd(),
    command: [process.execPath, "-e", `process.stderr.write(${JSON.stringify(output)}); process.exit(1)`],
  });
}

test("a deployment that fails is triaged in the apply report with the same engine as CI logs; the Deployment fails", async (t) => {
  const sandbox = await sandboxFor(t, { resolveImage: crashingImage(BINDINGS_CRASH) });
  const { pr } = await planned(sandbox, { postLogs: true });
  await comment(sandbox, "maya", pr, "/approve");
  const apply = runsOf(sandbox, "apply").at(-1);
  assert.equal(apply?.conclusion, "failure");
  const report = actionReport(sandbox, pr);
  assert.match(
    report,
    /Apply of plan `[0-9a-f]{12}` to `production` stopped at `dokploy application\.deploy hello-service`/,
  );
  assert.match(report, /#### Why the deployment failed/);
  assert.match(report, /\(`native-build-skipped`, confidence 0\.\d\d\)/, report);
  assert.match(report, /onlyBuiltDependencies/, "the fix names pnpm's setting");
  assert.match(report, /Could not locate the bindings file/, "the evidence line is quoted");
  assert.match(
    report,
    /<details><summary>Deployment log \(tail\)<\/summary>/,
    "the policy opted in to the log tail",
  );
  assert.match(
    report,
    /What changed before it stopped:\*\* `project\.ensure hello-service`, `application\.ensure hello-service`, `docker-provider\.set hello-service`, `domain\.ensure hello\.example\.com`\./,
  );
  assert.match(report, /`\/devops rollback`/);
  const deployment = latestDeployment(sandbox);
  assert.deepEqual(deployment?.states, ["queued", "in_progress", "failure"]);
  assert.equal(applyOutputs(sandbox, apply?.id).result, "fail");
});

test("a public repository's thread gets the triage and a link, not the log, unless the policy opts in", async (t) => {
  const sandbox = await sandboxFor(t, { resolveImage: crashingImage(BINDINGS_CRASH) });
  const state = repoOf(sandbox);
  assert.ok(state);
  state.private = false;
  const { pr } = await planned(sandbox);
  await comment(sandbox, "maya", pr, "/approve");
  const report = actionReport(sandbox, pr);
  assert.match(report, /native-build-skipped/);
  assert.doesNotMatch(report, /Deployment log \(tail\)/);
  assert.match(report, /The deployment log is in the \[run\]/);
});

test("[authz:action-reverifies] refuses a dispatch by hand that replays the approved inputs: the thread says why, nothing changes", async (t) => {
  const sandbox = await sandboxFor(t);
  const { pr } = await planned(sandbox);
  await comment(sandbox, "maya", pr, "/approve");
  const approved = runsOf(sandbox, "apply").at(-1);
  assert.equal(approved?.conclusion, "success", "the approved apply ran");
  const before = worldSnapshot(sandbox);
  // wes may dispatch workflows (write access): he replays the approved run's inputs.
  await personOctokit(sandbox, "wes").actions.createWorkflowDispatch({
    owner,
    repo,
    workflow_id: "devops-agent.yml",
    ref: "main",
    inputs: approved?.inputs as Record<string, string>,
  });
  await sandbox.twin.settled();
  const replay = runsOf(sandbox, "apply").at(-1);
  assert.notEqual(replay?.id, approved?.id);
  assert.equal(replay?.conclusion, "failure");
  const report = actionReport(sandbox, pr);
  assert.match(report, /### 🛑 Apply refused/);
  assert.match(report, /names run \d+, not this run/);
  assert.match(report, /\(`apply:approval-names-this-run`\)\. Nothing was changed\./);
  assert.equal(worldSnapshot(sandbox), before, "no provider changed");
  assert.equal(applyOutputs(sandbox, replay?.id).result, "refused");
});

test("[apply:drift-refused] refuses drift: a record someone else made after the plan stops the apply there, saying what changed before", async (t) => {
  const sandbox = await sandboxFor(t);
  const { pr } = await planned(sandbox);
  const { cloudflare } = sandbox.providers;
  addRecord(cloudflare.twin, cloudflare.zoneId, { type: "A", name: SANDBOX.host, content: "198.51.100.9" });
  await comment(sandbox, "maya", pr, "/approve");
  const apply = runsOf(sandbox, "apply").at(-1);
  assert.equal(apply?.conclusion, "failure");
  const report = actionReport(sandbox, pr);
  assert.match(
    report,
    /⚠️ \| `dns-record\.ensure hello\.example\.com A` \| cloudflare \| drift: stopped: hello\.example\.com A exists and is not ours/,
  );
  assert.match(report, /What changed before it stopped:/);
  const records = Object.values(cloudflare.twin.world.records)
    .flat()
    .filter((r) => r.name === SANDBOX.host);
  assert.deepEqual(
    records.map((r) => r.content),
    ["198.51.100.9"],
    "the foreign record is untouched and no second one was made",
  );
  const secrets = repoOf(sandbox)?.environments.production?.secrets ?? {};
  assert.equal(secrets.DOKPLOY_DEPLOY_TOKEN, undefined, "nothing after the drifted step ran");
});

test("[apply:drift-refused] allows a plan whose live state is as the plan read it: every step applied, then verified", async (t) => {
  const sandbox = await sandboxFor(t);
  const { pr } = await planned(sandbox);
  await comment(sandbox, "maya", pr, "/approve");
  const apply = runsOf(sandbox, "apply").at(-1);
  assert.equal(apply?.conclusion, "success");
  const outputs = applyOutputs(sandbox, apply?.id);
  assert.equal(outputs.changed?.length, 7, JSON.stringify(outputs.changed));
  assert.deepEqual(
    outputs.checks.map((c) => [c.name, c.ok]),
    [
      ["dns", true],
      ["tls", true],
      ["http", true],
      ["log", true],
    ],
  );
  const secret = repoOf(sandbox)?.environments.production?.secrets.DOKPLOY_DEPLOY_TOKEN;
  const app = Object.values(sandbox.providers.dokploy.twin.world.applications)[0];
  assert.equal(secret?.value, app?.refreshToken, "the deploy token, sealed for the Environment");
});

/** The forms a leaked value could take in what we post. */
function encodings(value: string): string[] {
  return [
    value,
    Buffer.from(value).toString("base64"),
    Buffer.from(value).toString("base64url"),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

test("[secrets:never-posted] refuses to post any secret: fuzzed placements in the failing app's output never reach a comment, log, summary, check run or status", async () => {
  for (const seed of [11, 29]) {
    const random = mulberry32(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    // The values are known before the sandbox starts (the admins' secrets); the image prints them back in
    // whatever form the seed picks, as a misbehaving app or a verbose tool would.
    const secrets = {
      DOKPLOY_API_KEY: `dkp_${seed}_${"k".repeat(8)}${Math.floor(random() * 1e9)}`,
      GHCR_PULL_TOKEN: `ghp_${"p".repeat(20)}${seed}${Math.floor(random() * 1e9)}`,
    };
    const placements = [
      (v: string) => `DATABASE_URL=postgres://app:${v}@db/app`,
      (v: string) => `config: ${JSON.stringify({ token: v })}`,
      (v: string) => `auth ${Buffer.from(`app:${v}`).toString("base64")}`,
      (v: string) => `url ${encodeURIComponent(`x=${v}`)}`,
      (v: string) => `${v.slice(0, Math.floor(v.length / 2))}\n${v.slice(Math.floor(v.length / 2))}`,
      (v: string) => `Error: login failed for ${v}`,
    ];
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) lines.push(pick(placements)(pick(Object.values(secrets))));
    const output = `${lines.join("\n")}\n${BINDINGS_CRASH}`;
    const sandbox = await startSandbox({ resolveImage: crashingImage(output) });
    try {
      addApiKey(sandbox.providers.dokploy.twin, {
        key: secrets.DOKPLOY_API_KEY,
        organizationId: "org-sandbox",
      });
      assert.ok(await mergeOnboarding(sandbox));
      await configureRepository(sandbox, { postLogs: true, secrets });
      const pr = await openChangePullRequest(sandbox, { login: "wes", branch: "greeting", domain: true });
      await comment(sandbox, "wes", pr.number, "/devops deploy");
      await comment(sandbox, "maya", pr.number, "/approve");
      assert.equal(runsOf(sandbox, "apply").at(-1)?.conclusion, "failure");
      const state = repoOf(sandbox);
      assert.ok(state);
      const posted = [
        ...Object.values(state.comments).map((c) => c.body),
        ...Object.values(state.jobs).flatMap((j) => [j.log, j.summary, JSON.stringify(j.outputs)]),
        ...Object.values(state.checkRuns).flatMap((c) => [c.output.title, c.output.summary, c.output.text]),
        ...Object.values(state.deployments).flatMap((d) => d.statuses.map((s) => s.description)),
      ].join("\n");
      assert.match(posted, /Could not locate the bindings file/, "the log tail was posted (redacted)");
      assert.match(posted, /\[REDACTED\]/, "the placements reached the posted log tail, redacted");
      for (const [name, value] of Object.entries(secrets)) {
        for (const form of encodings(value)) {
          assert.ok(!posted.includes(form), `seed ${seed}: ${name} leaked as ${form}`);
        }
      }
    } finally {
      await sandbox.close();
    }
  }
});

test("a proxied record in a zone whose SSL mode is Flexible is warned about in the plan and the report; served through the CDN it verifies", async (t) => {
  const sandbox = await sandboxFor(t);
  const { cloudflare } = sandbox.providers;
  setZoneSsl(cloudflare.twin, cloudflare.zoneId, "flexible");
  const { pr } = await planned(sandbox, { proxied: true });
  const checklist =
    thread(sandbox, pr).find((c) => c.body.startsWith("<!-- devops-agent:checklist -->"))?.body ?? "";
  assert.match(checklist, /> ⚠️ hello\.example\.com would loop \\\(ERR\\_TOO\\_MANY\\_REDIRECTS\\\)/);
  assert.match(checklist, /encryption mode to Full \\\(strict\\\)/);
  await comment(sandbox, "maya", pr, "/approve");
  const apply = runsOf(sandbox, "apply").at(-1);
  assert.equal(apply?.conclusion, "success");
  assert.match(actionReport(sandbox, pr), /> ⚠️ hello\.example\.com would loop/);
  const dns = applyOutputs(sandbox, apply?.id).checks.find((c) => c.name === "dns");
  assert.deepEqual(
    (dns?.evidence as { addresses?: string[] } | undefined)?.addresses,
    ["104.16.0.1", "2606:4700::1"],
    "the CDN's addresses answer, not the origin's",
  );
  assert.equal(zoneSsl(cloudflare.twin, cloudflare.zoneId), "flexible", "warned about, never changed");
});

test("verify and logs, dispatched by hand after a deploy: the four checks again with evidence, and the app's log", async (t) => {
  const sandbox = await sandboxFor(t);
  const { pr, head } = await planned(sandbox);
  await comment(sandbox, "maya", pr, "/approve");
  assert.equal(runsOf(sandbox, "apply").at(-1)?.conclusion, "success");
  const before = worldSnapshot(sandbox);
  const ada = personOctokit(sandbox, "ada");
  for (const command of ["verify", "logs"] as const) {
    await ada.actions.createWorkflowDispatch({
      owner,
      repo,
      workflow_id: "devops-agent.yml",
      ref: "main",
      inputs: { command, "head-sha": head, environment: "production" },
    });
  }
  await sandbox.twin.settled();
  const state = repoOf(sandbox);
  const byCommand = (command: string) =>
    Object.values(state?.runs ?? {})
      .filter((r) => r.inputs.command === command)
      .map((r) => ({ run: r, job: state?.jobs[r.jobIds[0] as number] }))
      .at(-1);
  const verified = byCommand("verify");
  assert.equal(verified?.run.conclusion, "success", verified?.job?.log);
  const checks = JSON.parse(Object.values(verified?.job?.outputs ?? {})[0]?.checks ?? "[]") as {
    name: string;
    ok: boolean;
  }[];
  assert.deepEqual(
    checks.map((c) => [c.name, c.ok]),
    [
      ["dns", true],
      ["tls", true],
      ["http", true],
      ["log", true],
    ],
  );
  assert.match(
    verified?.job?.summary ?? "",
    /certificate serial [0-9A-F]+ issued by CN=devops-agent sandbox CA/,
  );
  const logs = byCommand("logs");
  assert.equal(logs?.run.conclusion, "success", logs?.job?.log);
  assert.match(Object.values(logs?.job?.outputs ?? {})[0]?.log ?? "", /migrations applied/);
  assert.equal(worldSnapshot(sandbox), before, "verify and logs changed nothing");
});

test("after a partial failure, /devops rollback plans the recorded undo steps, a maintainer approves, and the Action takes them back", async (t) => {
  const sandbox = await sandboxFor(t, { resolveImage: crashingImage(BINDINGS_CRASH) });
  const { pr } = await planned(sandbox);
  await comment(sandbox, "maya", pr, "/approve");
  assert.equal(runsOf(sandbox, "apply").at(-1)?.conclusion, "failure");
  const dokploy = sandbox.providers.dokploy.twin.world;
  assert.equal(Object.keys(dokploy.projects).length, 1, "the failed apply left a project behind");
  assert.equal(Object.keys(dokploy.domains).length, 1);

  await comment(sandbox, "wes", pr, "/devops rollback");
  const checklist = thread(sandbox, pr)
    .filter((c) => c.body.startsWith("<!-- devops-agent:checklist -->"))
    .at(-1)?.body;
  assert.match(checklist ?? "", /Rollback plan/);
  assert.equal(
    runsOf(sandbox, "plan").at(-1)?.conclusion,
    "success",
    "the plan run read the undo steps' live state",
  );
  await comment(sandbox, "maya", pr, "/approve");
  const rollback = runsOf(sandbox, "apply").at(-1);
  assert.equal(rollback?.conclusion, "success", actionReport(sandbox, pr));
  assert.deepEqual(applyOutputs(sandbox, rollback?.id).changed, [
    "dokploy.domain.delete:hello.example.com",
    "dokploy.application.delete:hello-service",
    "dokploy.project.delete:hello-service",
  ]);
  assert.deepEqual(
    [
      Object.keys(dokploy.projects).length,
      Object.keys(dokploy.applications).length,
      Object.keys(dokploy.domains).length,
    ],
    [0, 0, 0],
    "nothing of ours is left on Dokploy",
  );
  assert.equal(latestDeployment(sandbox)?.state, "success");
});
