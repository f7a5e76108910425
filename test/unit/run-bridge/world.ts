// The run bridge's test world: the GitHub twin (contract-checked) with acme/hello-service, its pull request and
// the App's pinned plan in a check run, and the App's server with the bridge trusting the twin's OIDC issuer.
// Callers get real ID tokens the way a runner does: request URL + token granted for a job's claims, then
// GET `…&audience=` with the request token.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { TestContext } from "node:test";
import { pino } from "pino";
import { recordDeployment } from "../../../src/app/handlers/deployments.ts";
import { DISPATCH_REF_PREFIX, DISPATCH_WORKFLOW_PATH } from "../../../src/app/names.ts";
import { dispatchWorkflow } from "../../../src/app/onboarding/workflows.ts";
import { type GithubApi, writePlanCheck } from "../../../src/app/plan-store.ts";
import { startAppServer } from "../../../src/app/server.ts";
import { parseDeployConfig } from "../../../src/config/load.ts";
import { CONFIG_PATH } from "../../../src/config/schema.ts";
import { buildPlan } from "../../../src/plan/build.ts";
import { pin } from "../../../src/plan/hash.ts";
import type { PinnedPlan } from "../../../src/plan/types.ts";
import type { Clock } from "../../../src/sandbox/clock.ts";
import {
  type ActionsOidcJobClaims,
  grantIdTokenRequests,
  oidcIssuerUrl,
} from "../../../src/sandbox/github/oidc.ts";
import type { GithubTwin } from "../../../src/sandbox/github/twin.ts";
import { addApp, addUser, createRepo, installApp, pushFiles } from "../../../src/sandbox/github/world.ts";
import { commentAs, openPullRequest } from "../../../src/sandbox/github/world-pulls.ts";
import { manifestPermissions } from "../../../src/sandbox/manifest.ts";
import { SANDBOX_OCTOKIT, sampleFiles } from "../../../src/sandbox/sandbox.ts";
import { DEPLOY_YML } from "../../support/app-loop.ts";
import { startGithubTwin } from "../../support/github-twin.ts";

export const OWNER = "acme";
export const NAME = "hello-service";
export const FULL = `${OWNER}/${NAME}`;
export const DIGEST = `sha256:${"ab".repeat(32)}`;

export interface BridgeWorld {
  twin: GithubTwin;
  appUrl: string;
  appId: number;
  installationId: number;
  pr: number;
  headSha: string;
  pinned: PinnedPlan;
  checkRunId: number;
  /** The App's installation Octokit, for seeding what the App itself would have written. */
  octokit: GithubApi;
  /** An ID token for a job with these claims (defaults: the dispatch workflow on main of acme/hello-service). */
  idToken(overrides?: Partial<ActionsOidcJobClaims>, audience?: string): Promise<string>;
  post(path: string, body: unknown, token: string | undefined): Promise<{ status: number; json: unknown }>;
  /** What /approve would have recorded: the dispatched ref and a deployment naming the apply run. */
  approve(runId: number): Promise<void>;
  snapshot(): unknown;
  /** The App's log lines (JSON), for "who got what" and "no token in the log". */
  logs: string[];
  checklist(): string | undefined;
}

let keys: { publicKey: string; privateKey: string } | undefined;

export async function startBridgeWorld(
  t: TestContext,
  options: { twinClock?: Clock } = {},
): Promise<BridgeWorld> {
  const harness = await startGithubTwin(t, options.twinClock ? { clock: options.twinClock } : {});
  const { twin } = harness;
  addUser(twin, { login: OWNER, type: "Organization" });
  for (const login of ["maya", "wes"]) addUser(twin, { login });
  const repo = createRepo(twin, {
    owner: OWNER,
    name: NAME,
    files: { ...sampleFiles(), [CONFIG_PATH]: DEPLOY_YML, [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow() },
    collaborators: { maya: "maintain", wes: "write" },
  });
  createRepo(twin, { owner: OWNER, name: "other-service", files: { "README.md": "other\n" } });
  createRepo(twin, { owner: OWNER, name: "not-installed", files: { "README.md": "elsewhere\n" } });
  keys ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const app = addApp(twin, {
    slug: "devops-agent",
    ownerLogin: OWNER,
    publicKeyPem: keys.publicKey,
    webhookSecret: "unused",
    permissions: manifestPermissions(),
    events: [],
  });
  const logs: string[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => void logs.push(line) });
  const server = await startAppServer({
    log,
    appId: app.id,
    privateKey: keys.privateKey,
    webhookSecret: "unused",
    baseUrl: twin.url,
    app: () => {},
    Octokit: SANDBOX_OCTOKIT,
    bridge: { oidcIssuer: oidcIssuerUrl(twin) },
  });
  t.after(() => server.close());
  const installation = installApp(twin, {
    appId: app.id,
    account: OWNER,
    repositories: [NAME, "other-service"],
  });

  const head = pushFiles(twin, {
    repo: FULL,
    branch: "greeting",
    files: { "src/greeting.txt": "hello again\n" },
    message: "Greet returning visitors",
    login: "wes",
  });
  const pull = openPullRequest(twin, { repo: FULL, head: "greeting", title: "Greet", login: "wes" });
  const request = commentAs(twin, { repo: FULL, number: pull.number, body: "/devops deploy", login: "wes" });
  await twin.settled();
  const octokit = (await server.probot.auth(installation.id)) as unknown as GithubApi;
  const plan = buildPlan({
    config: parseDeployConfig(DEPLOY_YML),
    environment: "production",
    repository: FULL,
    pullNumber: pull.number,
    headSha: head.after,
    configSha: "0".repeat(40),
    image: { repository: "ghcr.io/acme/hello-service", tag: `sha-${head.after}`, digest: DIGEST },
  });
  const pinned = pin(plan);
  const { data: requestComment } = await octokit.rest.issues.getComment({
    owner: OWNER,
    repo: NAME,
    comment_id: request.id,
  });
  const written = await writePlanCheck({
    octokit,
    owner: OWNER,
    repo: NAME,
    pinned,
    detailsUrl: requestComment.html_url,
  });

  const defaultClaims = (runId: number): ActionsOidcJobClaims => ({
    sub: `repo:${FULL}:environment:production`,
    repository: FULL,
    repository_id: String(repo.id),
    repository_owner: OWNER,
    repository_owner_id: "1",
    repository_visibility: "private",
    ref: "refs/heads/main",
    ref_type: "branch",
    ref_protected: "false",
    sha: repo.refs["refs/heads/main"] ?? "",
    workflow: "devops-agent",
    workflow_ref: `${FULL}/${DISPATCH_WORKFLOW_PATH}@refs/heads/main`,
    workflow_sha: repo.refs["refs/heads/main"] ?? "",
    job_workflow_ref: `${FULL}/${DISPATCH_WORKFLOW_PATH}@refs/heads/main`,
    job_workflow_sha: repo.refs["refs/heads/main"] ?? "",
    run_id: String(runId),
    run_number: "1",
    run_attempt: "1",
    actor: "maya",
    actor_id: "2",
    event_name: "workflow_dispatch",
    head_ref: "",
    base_ref: "",
    environment: "production",
    runner_environment: "github-hosted",
  });

  const world: BridgeWorld = {
    logs,
    twin,
    appUrl: server.url,
    appId: app.id,
    installationId: installation.id,
    pr: pull.number,
    headSha: head.after,
    pinned,
    checkRunId: written.checkRunId,
    octokit,
    async idToken(overrides = {}, audience = new URL(server.url).origin) {
      const grant = grantIdTokenRequests(twin, { ...defaultClaims(7001), ...overrides });
      const response = await fetch(
        `${grant.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`,
        {
          headers: { authorization: `Bearer ${grant.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
        },
      );
      assert.equal(response.status, 200);
      return ((await response.json()) as { value: string }).value;
    },
    async post(path, body, token) {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    },
    async approve(runId) {
      await octokit.rest.git.createRef({
        owner: OWNER,
        repo: NAME,
        ref: `${DISPATCH_REF_PREFIX}${pinned.hash}`,
        sha: head.after,
      });
      await recordDeployment({
        octokit,
        repository: { owner: OWNER, repo: NAME, defaultBranch: "main", ownerType: "Organization" },
        headSha: head.after,
        environment: "production",
        planHash: pinned.hash,
        pr: pull.number,
        run: { runId, runUrl: `${twin.url}/_web/${FULL}/actions/runs/${runId}` },
        approval: { login: "maya", commentId: request.id },
      });
    },
    snapshot() {
      return structuredClone({
        checkRuns: repo.checkRuns,
        comments: repo.comments,
        refs: repo.refs,
        deployments: repo.deployments,
        // Tokens narrowed to repositories are the bridge's; Probot's own installation tokens are not.
        narrowedTokens: Object.values(twin.world.tokens).filter((tk) => tk.repositoryIds !== undefined)
          .length,
      });
    },
    checklist() {
      return Object.values(repo.comments)
        .filter((c) => c.userLogin === "devops-agent[bot]")
        .find((c) => c.body.startsWith("<!-- devops-agent:checklist -->"))?.body;
    },
  };
  return world;
}

/** Every non-verify step's live state as a plan run would report it: all absent. */
export function allAbsent(pinned: PinnedPlan): Record<string, { exists: false }> {
  return Object.fromEntries(
    pinned.plan.steps.filter((s) => s.provider !== "verify").map((s) => [s.id, { exists: false as const }]),
  );
}
