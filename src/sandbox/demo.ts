// The deploy story, played on the sandbox without a person: every step is done the way a person would do it
// (through the REST API with their own token), and the result is read back from the twin's state.
import { Octokit } from "@octokit/rest";
import { parse, stringify } from "yaml";
import {
  DISPATCH_WORKFLOW_PATH,
  ONBOARDING_BRANCH,
  PLAN_CHECK_NAME,
  PROVIDER_SECRETS,
} from "../app/names.ts";
import { readPlanCheck } from "../app/plan-store.ts";
import { CONFIG_PATH, POLICY_PATH } from "../config/schema.ts";
import { DokployProvider } from "../providers/dokploy/index.ts";
import { sealSecret } from "../providers/github/index.ts";
import { VerifyProvider } from "../providers/verify/index.ts";
import { state as dokployState } from "./dokploy/world.ts";
import { publishImage } from "./github/world-packages.ts";
import { SANDBOX, type Sandbox, startSandbox } from "./sandbox.ts";

export interface DemoCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Raw evidence read back from the world (address, certificate, status, log line). */
  evidence?: Record<string, unknown>;
}

export interface DemoResult {
  ok: boolean;
  scenario: string;
  thread: { author: string; body: string }[];
  dispatches: {
    workflow: string;
    ref: string;
    inputs: Record<string, string>;
    actor: string;
    status: string;
    conclusion: string | null;
  }[];
  /** Verifications of the deployed app (DNS, TLS, HTTP, log), each with the raw evidence read back from the world. */
  checks: DemoCheck[];
  /** What the story expected at each step, and whether the twin's state shows it. */
  expectations: DemoCheck[];
}

export const DEMO_SCENARIO =
  "install → onboarding PR merged → policy + Environment secrets set by the admins → PR with a domain → " +
  "/devops deploy (writer) → plan run fills the live diff → /approve (writer, refused) → /approve (maintainer) → " +
  "apply: Dokploy + Cloudflare + Actions secret → verify DNS, TLS, HTTP, log → the same again changes nothing";

export async function runDemo(options: { narrate?: (line: string) => void } = {}): Promise<DemoResult> {
  const say = options.narrate ?? (() => {});
  const sandbox = await startSandbox();
  try {
    return await play(sandbox, say);
  } finally {
    await sandbox.close();
  }
}

async function play(sandbox: Sandbox, say: (line: string) => void): Promise<DemoResult> {
  const { twin } = sandbox;
  const owner = SANDBOX.owner;
  const repo = SANDBOX.repo;
  const as = (login: string) => personOctokit(sandbox, login);
  const maya = as(SANDBOX.people.maintainer);
  const wes = as(SANDBOX.people.writer);
  const expectations: DemoCheck[] = [];
  const expect = (name: string, ok: boolean, detail: string) => {
    expectations.push({ name, ok, detail });
    say(`  ${ok ? "✓" : "✗"} ${detail}`);
  };

  say(`1. The App is installed on ${owner}/${repo}; it opens its onboarding pull request, and`);
  say("2. maya (maintainer) merges it.");
  const onboarding = await mergeOnboarding(sandbox);
  expect(
    "onboarding-pr",
    onboarding !== undefined,
    onboarding !== undefined
      ? `onboarding PR #${onboarding} opened by the App and merged`
      : "no onboarding PR",
  );
  if (onboarding === undefined) return result(sandbox, expectations);

  say("3. The admins do the manual steps: policy (Dokploy and Cloudflare URLs, the zone), the production");
  say("   Environment limited to the default branch with the provider secrets, and the App's URL.");
  await configureRepository(sandbox);

  say(
    `4. wes (writer) pushes a change that gives the app the domain ${SANDBOX.host}, and opens a pull request.`,
  );
  const pr = await openChangePullRequest(sandbox, {
    login: SANDBOX.people.writer,
    branch: "greeting",
    domain: true,
  });

  say(`5. wes comments /devops deploy on PR #${pr.number}; the plan run reads the providers' live state.`);
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/devops deploy" });
  await twin.settled();
  const plans = planChecks(sandbox, pr.headSha);
  expect(
    "plan-check",
    plans.length === 2 && plans.at(-1)?.status === "in_progress",
    `plan check runs on ${pr.headSha.slice(0, 7)}: ${plans.length} (the App's plan, then the one with the live diff)`,
  );
  const planRun = runsOf(sandbox, "plan").at(-1);
  expect(
    "plan-run",
    planRun?.conclusion === "success",
    `the read-only plan run ${planRun?.conclusion ?? "did not run"}`,
  );

  say("6. wes approves his own request: refused (a writer cannot approve, nor can the requester).");
  const dispatchesBefore = runsOf(sandbox, "apply").length;
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/approve" });
  await twin.settled();
  expect(
    "writer-refused",
    runsOf(sandbox, "apply").length === dispatchesBefore,
    "no apply run dispatched for wes's /approve",
  );

  say("7. maya (maintainer) approves: the Action applies the plan on the runner and verifies it.");
  const approval = (
    await maya.issues.createComment({ owner, repo, issue_number: pr.number, body: "/approve" })
  ).data;
  await twin.settled();
  const applies = runsOf(sandbox, "apply");
  const apply = applies.at(-1);
  expect(
    "apply-dispatched",
    applies.length === dispatchesBefore + 1 && apply?.inputs["approval-comment-id"] === String(approval.id),
    `${applies.length - dispatchesBefore} apply run dispatched on the default branch for approval ${approval.id}`,
  );
  const reported = applyOutputs(sandbox, apply?.id);
  expect(
    "apply-succeeded",
    apply?.conclusion === "success" && reported.result === "pass",
    `the apply run ${apply?.conclusion ?? "did not run"}; the Action reported ${reported.result ?? "nothing"}`,
  );
  const deployment = latestDeployment(sandbox);
  expect(
    "deployment-success",
    deployment?.state === "success" && deployment.environmentUrl === `https://${SANDBOX.host}`,
    `Deployment ${deployment?.id ?? "?"}: ${deployment?.states.join(" → ") ?? "none"}`,
  );

  say("8. The outcome, read back from the world with the verifier's own code: DNS, TLS, HTTP and the log.");
  const checks = await verifyFromTheWorld(sandbox, pr.headSha);
  for (const check of checks) say(`  ${check.ok ? "✓" : "✗"} ${check.name}: ${check.detail}`);
  expect(
    "action-checks",
    ["dns", "tls", "http", "log"].every((name) => reported.checks.some((c) => c.name === name && c.ok)),
    `the Action's own verification: ${reported.checks.map((c) => `${c.name} ${c.ok ? "pass" : "fail"}`).join(", ") || "none"}`,
  );

  say("9. The same deploy again (plan, approve, apply): every step is already in place, nothing changes.");
  const before = worldSnapshot(sandbox);
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/devops deploy" });
  await twin.settled();
  await maya.issues.createComment({ owner, repo, issue_number: pr.number, body: "/approve" });
  await twin.settled();
  const again = runsOf(sandbox, "apply").at(-1);
  const second = again && again.id !== apply?.id ? applyOutputs(sandbox, again.id) : undefined;
  const after = worldSnapshot(sandbox);
  expect(
    "rerun-unchanged",
    again?.conclusion === "success" && second?.changed?.length === 0 && after === before,
    second
      ? `second apply ${again?.conclusion}: changed ${JSON.stringify(second.changed)}; providers' state ${after === before ? "identical" : "differs"}`
      : "the second apply was not dispatched",
  );
  return result(sandbox, expectations, pr.number, checks);
}

/**
 * What an admin does once by hand after merging onboarding: the policy on the default branch names the provider
 * servers and the zone; the production Environment, limited to the default branch, holds the provider secrets;
 * a repository variable tells the workflow where the App is.
 */
export async function configureRepository(
  sandbox: Sandbox,
  options: {
    /** policy.yml's postLogs: a failed deployment's log tail in the thread. */
    postLogs?: boolean;
    /** Environment secrets to set besides (or instead of) the provider credentials. */
    secrets?: Record<string, string>;
  } = {},
): Promise<void> {
  const { owner, repo } = SANDBOX;
  const ada = personOctokit(sandbox, SANDBOX.people.admin);
  const { cloudflare, dokploy } = sandbox.providers;
  const policy = (await ada.repos.getContent({ owner, repo, path: POLICY_PATH, ref: "main" })).data as {
    sha: string;
  };
  const text = [
    "# yaml-language-server: $schema=./policy.schema.json",
    "version: 1",
    `allowedZones: [${SANDBOX.zone}]`,
    "providers:",
    `  dokploy: { url: "${dokploy.url}" }`,
    `  cloudflare: { url: "${cloudflare.apiUrl}" }`,
    ...(options.postLogs ? ["postLogs: true"] : []),
    "",
  ].join("\n");
  await ada.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: POLICY_PATH,
    branch: "main",
    message: "Policy: our Dokploy server and Cloudflare zone",
    content: Buffer.from(text).toString("base64"),
    sha: policy.sha,
  });
  await ada.repos.createOrUpdateEnvironment({
    owner,
    repo,
    environment_name: "production",
    deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
  });
  const key = (await ada.actions.getEnvironmentPublicKey({ owner, repo, environment_name: "production" }))
    .data;
  const secrets = {
    [PROVIDER_SECRETS.dokploy]: dokploy.apiKey,
    [PROVIDER_SECRETS.cloudflare]: cloudflare.token,
    GHCR_PULL_TOKEN: `ghp_${"sandboxpull".repeat(3)}1234567`,
    ...options.secrets,
  };
  for (const [name, value] of Object.entries(secrets)) {
    await ada.actions.createOrUpdateEnvironmentSecret({
      owner,
      repo,
      environment_name: "production",
      secret_name: name,
      encrypted_value: sealSecret(value, key.key),
      key_id: key.key_id,
    });
  }
  await ada.actions.createRepoVariable({ owner, repo, name: "DEVOPS_AGENT_URL", value: sandbox.appUrl });
  await sandbox.twin.settled();
}

/** The plan's verifications run again by the demo itself, against the lab, with the same code as the Action. */
async function verifyFromTheWorld(sandbox: Sandbox, headSha: string): Promise<DemoCheck[]> {
  const { owner, repo } = SANDBOX;
  const stored = await readPlanCheck({
    octokit: personOctokit(sandbox, SANDBOX.people.maintainer),
    owner,
    repo,
    headSha,
    appSlug: SANDBOX.appSlug,
  });
  if (!stored) return [{ name: "plan", ok: false, detail: "no plan to verify" }];
  const { lab, dokploy } = sandbox.providers;
  const reader = new DokployProvider({ url: dokploy.url, apiKey: dokploy.apiKey, secrets: () => undefined });
  const verifier = new VerifyProvider({
    resolver: [lab.resolver],
    ca: [lab.caPem],
    ports: lab.ports,
    connectTo: lab.connectTo,
    readLogs: (application) => reader.readAppLogs(application),
  });
  const checks: DemoCheck[] = [];
  for (const step of stored.pinned.plan.steps.filter((s) => s.provider === "verify")) {
    const found = await verifier.check(step);
    checks.push({ name: found.name, ok: found.ok, detail: found.detail, evidence: found.evidence });
  }
  return checks;
}

/** Everything the providers hold that a deploy could change, as one comparable string. */
export function worldSnapshot(sandbox: Sandbox): string {
  const { cloudflare, dokploy } = sandbox.providers;
  const repo = sandbox.twin.repoByName(`${SANDBOX.owner}/${SANDBOX.repo}`);
  const production = repo?.environments.production;
  return JSON.stringify({
    records: Object.values(cloudflare.twin.world.records)
      .flat()
      .map((r) => [r.name, r.type, r.content, r.modifiedOn]),
    dokploy: dokploySnapshot(dokploy.twin),
    secrets: Object.values(production?.secrets ?? {}).map((s) => [s.name, s.value, s.updatedAt]),
    variables: Object.values(production?.variables ?? {}).map((v) => [v.name, v.value, v.updatedAt]),
  });
}

function dokploySnapshot(twin: Sandbox["providers"]["dokploy"]["twin"]): unknown {
  const world = dokployState(twin);
  return {
    projects: Object.values(world.projects).length,
    applications: Object.values(world.applications).map((a) => [a.name, a.dockerImage, a.env]),
    domains: Object.values(world.domains).map((d) => [d.host, d.port, d.https]),
    deployments: Object.values(world.deployments).length,
  };
}

/** An Octokit acting as one of the sandbox's people, with their own token. */
export function personOctokit(sandbox: Sandbox, login: string): Octokit {
  return new Octokit({
    auth: sandbox.tokens[login],
    baseUrl: sandbox.twin.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

/**
 * A person changes the service on a new branch and opens a pull request; the head commit's image is published
 * as the build workflow would (it runs on GitHub's runners, which the sandbox does not have).
 */
export async function openChangePullRequest(
  sandbox: Sandbox,
  options: { login: string; branch: string; domain?: boolean; proxied?: boolean },
): Promise<{ number: number; headSha: string }> {
  const { twin } = sandbox;
  const owner = SANDBOX.owner;
  const repo = SANDBOX.repo;
  const person = personOctokit(sandbox, options.login);
  const main = (await person.git.getRef({ owner, repo, ref: "heads/main" })).data.object.sha;
  await person.git.createRef({ owner, repo, ref: `refs/heads/${options.branch}`, sha: main });
  const server = (await person.repos.getContent({ owner, repo, path: "src/server.js", ref: options.branch }))
    .data as { sha: string; content: string };
  const source = Buffer.from(server.content, "base64")
    .toString()
    .replace("hello, visitor", `hello from ${options.branch}, visitor`);
  await person.repos.createOrUpdateFileContents({
    owner,
    repo,
    path: "src/server.js",
    branch: options.branch,
    message: `Greet visitors from ${options.branch}`,
    content: Buffer.from(source).toString("base64"),
    sha: server.sha,
  });
  if (options.domain) {
    const config = (await person.repos.getContent({ owner, repo, path: CONFIG_PATH, ref: options.branch }))
      .data as { sha: string; content: string };
    const text = withDomain(Buffer.from(config.content, "base64").toString(), options.proxied === true);
    await person.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: CONFIG_PATH,
      branch: options.branch,
      message: `Serve the app at ${SANDBOX.host}`,
      content: Buffer.from(text).toString("base64"),
      sha: config.sha,
    });
  }
  const pr = (
    await person.pulls.create({
      owner,
      repo,
      head: options.branch,
      base: "main",
      title: `Greetings (${options.branch})`,
    })
  ).data;
  publishImage(twin, { owner, packageName: repo, tags: [`sha-${pr.head.sha}`], repo: `${owner}/${repo}` });
  await twin.settled();
  return { number: pr.number, headSha: pr.head.sha };
}

/** The onboarding pull request the App opened on installation, merged by a maintainer. */
export async function mergeOnboarding(sandbox: Sandbox): Promise<number | undefined> {
  const maya = personOctokit(sandbox, SANDBOX.people.maintainer);
  const { owner, repo } = SANDBOX;
  const onboarding = (
    await maya.pulls.list({ owner, repo, head: `${owner}:${ONBOARDING_BRANCH}`, state: "open" })
  ).data[0];
  if (!onboarding) return undefined;
  await maya.pulls.merge({ owner, repo, pull_number: onboarding.number });
  await sandbox.twin.settled();
  return onboarding.number;
}

/** The onboarding's deploy.yml with the sandbox's domain, DNS record and expected log line filled in. */
function withDomain(text: string, proxied: boolean): string {
  const config = parse(text) as {
    app: Record<string, unknown>;
    environments: Record<string, Record<string, unknown>>;
  };
  config.app.expectLog = "migrations applied";
  const production = config.environments.production ?? {};
  production.domain = { host: SANDBOX.host, https: true };
  production.dns = {
    provider: "cloudflare",
    zone: SANDBOX.zone,
    target: SANDBOX.serverAddress,
    proxied,
  };
  config.environments.production = production;
  return `# yaml-language-server: $schema=./deploy.schema.json\n${stringify(config)}`;
}

export function repoOf(sandbox: Sandbox) {
  return sandbox.twin.repoByName(`${SANDBOX.owner}/${SANDBOX.repo}`);
}

export function runsOf(sandbox: Sandbox, command: "plan" | "apply") {
  return Object.values(repoOf(sandbox)?.runs ?? {})
    .filter((r) => r.workflowPath === DISPATCH_WORKFLOW_PATH && r.inputs.command === command)
    .sort((a, b) => a.id - b.id);
}

function planChecks(sandbox: Sandbox, headSha: string) {
  return Object.values(repoOf(sandbox)?.checkRuns ?? {})
    .filter((c) => c.name === PLAN_CHECK_NAME && c.headSha === headSha)
    .sort((a, b) => a.id - b.id);
}

/** What the Action's step in a run set as outputs (result, checks, changed). */
export function applyOutputs(
  sandbox: Sandbox,
  runId: number | undefined,
): { result?: string; checks: DemoCheck[]; changed?: string[] } {
  const repo = repoOf(sandbox);
  const run = runId === undefined ? undefined : repo?.runs[runId];
  const job = run ? repo?.jobs[run.jobIds[0] as number] : undefined;
  const outputs = Object.values(job?.outputs ?? {}).find((o) => o.result !== undefined) ?? {};
  const json = <T>(text: string | undefined, fallback: T): T => {
    try {
      return text ? (JSON.parse(text) as T) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    ...(outputs.result ? { result: outputs.result } : {}),
    checks: json<DemoCheck[]>(outputs.checks, []),
    ...(outputs.changed ? { changed: json<string[]>(outputs.changed, []) } : {}),
  };
}

export function latestDeployment(sandbox: Sandbox) {
  const deployment = Object.values(repoOf(sandbox)?.deployments ?? {}).sort((a, b) => b.id - a.id)[0];
  if (!deployment) return undefined;
  const statuses = [...deployment.statuses].sort((a, b) => a.id - b.id);
  return {
    id: deployment.id,
    states: statuses.map((st) => st.state),
    state: statuses.at(-1)?.state,
    environmentUrl: statuses.at(-1)?.environmentUrl,
  };
}

function result(
  sandbox: Sandbox,
  expectations: DemoCheck[],
  prNumber?: number,
  checks: DemoCheck[] = [],
): DemoResult {
  const repo = repoOf(sandbox);
  const thread = Object.values(repo?.comments ?? {})
    .filter((c) => c.issueNumber === prNumber)
    .sort((a, b) => a.id - b.id)
    .map((c) => ({ author: c.userLogin, body: c.body }));
  const dispatches = Object.values(repo?.runs ?? {})
    .filter((r) => r.event === "workflow_dispatch")
    .sort((a, b) => a.id - b.id)
    .map((r) => ({
      workflow: r.workflowPath,
      ref: r.ref ?? r.headBranch,
      inputs: r.inputs,
      actor: r.actorLogin,
      status: r.status,
      conclusion: r.conclusion,
    }));
  const wanted = ["dns", "tls", "http", "log"];
  return {
    ok:
      expectations.length > 0 &&
      expectations.every((e) => e.ok) &&
      wanted.every((name) => checks.some((c) => c.name === name && c.ok)),
    scenario: DEMO_SCENARIO,
    thread,
    dispatches,
    checks,
    expectations,
  };
}
