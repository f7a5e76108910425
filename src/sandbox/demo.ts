// The deploy story, played on the sandbox without a person: every step is done the way a person would do it
// (through the REST API with their own token), and the result is read back from the twin's state.
import { Octokit } from "@octokit/rest";
import {
  APPROVAL_REF_PREFIX,
  DISPATCH_WORKFLOW_PATH,
  ONBOARDING_BRANCH,
  PLAN_CHECK_NAME,
} from "../app/names.ts";
import { publishImage } from "./github/world-packages.ts";
import { SANDBOX, type Sandbox, startSandbox } from "./sandbox.ts";

export interface DemoCheck {
  name: string;
  ok: boolean;
  detail: string;
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
  /** Verifications of the deployed app (DNS, TLS, HTTP, log): filled in by the Action (issue #4). */
  checks: DemoCheck[];
  /** What the story expected at each step, and whether the twin's state shows it. */
  expectations: DemoCheck[];
}

export const DEMO_SCENARIO =
  "install → onboarding PR merged → PR → /devops deploy (writer) → /approve (writer, refused) → /approve (maintainer) → dispatch";

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

  say("3. wes (writer) pushes a change and opens a pull request.");
  const pr = await openChangePullRequest(sandbox, { login: SANDBOX.people.writer, branch: "greeting" });

  say(`4. wes comments /devops deploy on PR #${pr.number}.`);
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/devops deploy" });
  await twin.settled();
  const checkRuns = Object.values(twin.repoByName(`${owner}/${repo}`)?.checkRuns ?? {}).filter(
    (c) => c.name === PLAN_CHECK_NAME && c.headSha === pr.headSha,
  );
  expect(
    "plan-check",
    checkRuns.length === 1,
    `plan check run on ${pr.headSha.slice(0, 7)}: ${checkRuns.length === 1 ? "written by the App" : `found ${checkRuns.length}`}`,
  );

  say("5. wes approves his own request: refused (a writer cannot approve, nor can the requester).");
  const dispatchesBefore = applyRuns(sandbox).length;
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/approve" });
  await twin.settled();
  expect(
    "writer-refused",
    applyRuns(sandbox).length === dispatchesBefore,
    "no apply run dispatched for wes's /approve",
  );

  say("6. maya (maintainer) approves.");
  const approval = (
    await maya.issues.createComment({ owner, repo, issue_number: pr.number, body: "/approve" })
  ).data;
  await twin.settled();
  const applies = applyRuns(sandbox);
  const refs = Object.keys(twin.repoByName(`${owner}/${repo}`)?.refs ?? {});
  expect(
    "apply-dispatched",
    applies.length === dispatchesBefore + 1,
    `${applies.length - dispatchesBefore} apply run dispatched on the default branch`,
  );
  const apply = applies.at(-1);
  expect(
    "apply-inputs",
    apply?.inputs["head-sha"] === pr.headSha && apply?.inputs["approval-comment-id"] === String(approval.id),
    `apply run inputs name head ${pr.headSha.slice(0, 7)} and approval comment ${approval.id}`,
  );
  expect(
    "approval-ref",
    refs.includes(`${APPROVAL_REF_PREFIX}${approval.id}`),
    `single-use ref ${APPROVAL_REF_PREFIX}${approval.id} exists`,
  );
  return result(sandbox, expectations, pr.number);
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
  options: { login: string; branch: string },
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

function applyRuns(sandbox: Sandbox) {
  const repo = sandbox.twin.repoByName(`${SANDBOX.owner}/${SANDBOX.repo}`);
  return Object.values(repo?.runs ?? {}).filter(
    (r) => r.workflowPath === DISPATCH_WORKFLOW_PATH && r.inputs.command === "apply",
  );
}

function result(sandbox: Sandbox, expectations: DemoCheck[], prNumber?: number): DemoResult {
  const repo = sandbox.twin.repoByName(`${SANDBOX.owner}/${SANDBOX.repo}`);
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
  return {
    ok: expectations.length > 0 && expectations.every((e) => e.ok),
    scenario: DEMO_SCENARIO,
    thread,
    dispatches,
    checks: [],
    expectations,
  };
}
