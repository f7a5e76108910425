// The App loop's end-to-end world: the GitHub twin (contract-checked), the real App behind Probot over HTTP,
// org acme with acme/hello-service (the sample app, its merged .devops config, policy and dispatch workflow),
// people with real roles (acme owner, maya maintain, mo maintain, wes write, tara triage, olga nobody), a
// pull request by wes and the head commit's image published in the twin's registry. People act through the
// REST API with their own tokens. Runs execute a no-op Action so they finish fast.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { Octokit } from "@octokit/rest";
import { createDevopsAgentApp } from "../../src/app/app.ts";
import { CHECKLIST_MARKER, DISPATCH_WORKFLOW_PATH } from "../../src/app/names.ts";
import { dispatchWorkflow } from "../../src/app/onboarding/workflows.ts";
import { CONFIG_PATH, POLICY_PATH } from "../../src/config/schema.ts";
import type { App, Repo } from "../../src/sandbox/github/state.ts";
import type { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { issueCommentPayload } from "../../src/sandbox/github/webhook-payloads.ts";
import { signWebhook } from "../../src/sandbox/github/webhooks.ts";
import { addUser, createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import { publishImage } from "../../src/sandbox/github/world-packages.ts";
import { openPullRequest } from "../../src/sandbox/github/world-pulls.ts";
import { manifestPermissions } from "../../src/sandbox/manifest.ts";
import { sampleFiles } from "../../src/sandbox/sandbox.ts";
import { installAppOnTwin, WEBHOOK_SECRET } from "./app-on-twin.ts";
import { startGithubTwin, type TwinHarness } from "./github-twin.ts";

export const OWNER = "acme";
export const NAME = "hello-service";
export const FULL = `${OWNER}/${NAME}`;

export const DEPLOY_YML = `version: 1
app:
  name: hello-service
  image: ghcr.io/acme/hello-service
  port: 3000
environments:
  production:
    dokploy: {}
    domain:
      host: hello.example.com
    dns:
      provider: cloudflare
      zone: example.com
      target: 203.0.113.10
`;

export const POLICY_YML = `version: 1
allowedZones: [example.com]
`;

export interface LoopOptions {
  /** Owner type of acme: an Organization (default) or a personal account. */
  ownerType?: "Organization" | "User";
  policy?: string | null;
  /** Files of the PR's commit (default: a change to the server). */
  prFiles?: Record<string, string | null>;
  /** Who pushes the PR's commit (default wes). */
  author?: string;
  /** Who opens the PR (default: the author). */
  opener?: string;
  /** Files on the default branch besides the sample app (null removes one of the defaults). */
  mainFiles?: Record<string, string | null>;
  /** Publish the head commit's image (default true). */
  publish?: boolean;
}

export interface AppLoop {
  harness: TwinHarness;
  twin: GithubTwin;
  app: App;
  repo: Repo;
  pr: number;
  as(login: string): Octokit;
  head(): string;
  /** Comments as `login` through the REST API and waits until the App has answered everything. */
  comment(login: string, body: string, options?: { number?: number }): Promise<number>;
  /** Pushes a commit to the PR's branch as `login` (and publishes its image): the PR gets `synchronize`. */
  push(login: string, files?: Record<string, string | null>): Promise<string>;
  /** Moves the twin's clock (GitHub's timestamps have seconds: distinct moments need a second or more). */
  advance(ms: number): void;
  /** Runs `fn` with webhooks switched off: what it does reaches the App only if delivered by hand. */
  withheld<T>(fn: () => Promise<T>): Promise<T>;
  /** The issue_comment.created payload of a comment as it is now (GitHub builds it when the event fires). */
  createdPayload(commentId: number, sender: string): string;
  /** Delivers a payload to the App as GitHub would (signed); resolves with the HTTP status. */
  deliver(event: string, body: string): Promise<number>;
  /** The App's comments on the PR, oldest first. */
  appComments(number?: number): string[];
  lastReply(number?: number): string;
  checklist(number?: number): string | undefined;
  snapshot(): EffectSnapshot;
}

export interface EffectSnapshot {
  runs: number[];
  dispatchCalls: number;
  checkRuns: unknown[];
  refs: Record<string, string>;
  deployments: unknown[];
}

/** A negative test's proof: nothing was dispatched, no check run changed, no ref created, no deployment. */
export function assertNoEffect(loop: AppLoop, before: EffectSnapshot): void {
  const after = loop.snapshot();
  assert.deepEqual(after.runs, before.runs, "no workflow run was dispatched");
  assert.equal(after.dispatchCalls, before.dispatchCalls, "the twin accepted no POST …/dispatches");
  assert.deepEqual(after.checkRuns, before.checkRuns, "no check run was created or changed");
  assert.deepEqual(after.refs, before.refs, "no ref under refs/devops-agent/ was created");
  assert.deepEqual(after.deployments, before.deployments, "no deployment was created");
}

let noopAction: string | undefined;
function noopActionEntry(): string {
  noopAction ??= (() => {
    const file = join(mkdtempSync(join(tmpdir(), "app-loop-action-")), "noop.mjs");
    writeFileSync(file, "// The apply itself is the Action's (issue 4); these tests stop at the dispatch.\n");
    return file;
  })();
  return noopAction;
}

export async function startAppLoop(t: TestContext, options: LoopOptions = {}): Promise<AppLoop> {
  let offset = 0;
  const clock = { now: () => new Date(Date.now() + offset) };
  const harness = await startGithubTwin(t, { clock, actionEntry: noopActionEntry() });
  const { twin } = harness;
  addUser(twin, { login: OWNER, type: options.ownerType ?? "Organization" });
  for (const login of ["maya", "mo", "wes", "will", "tara", "olga"]) addUser(twin, { login });
  const policy = options.policy === undefined ? POLICY_YML : options.policy;
  const repo = createRepo(twin, {
    owner: OWNER,
    name: NAME,
    files: mainFiles({
      ...sampleFiles(),
      [CONFIG_PATH]: DEPLOY_YML,
      [DISPATCH_WORKFLOW_PATH]: dispatchWorkflow(),
      ...(policy !== null ? { [POLICY_PATH]: policy } : {}),
      ...options.mainFiles,
    }),
    collaborators: { maya: "maintain", mo: "maintain", wes: "write", will: "write", tara: "triage" },
  });
  const { app, installation, webhookUrl } = await installAppOnTwin(t, twin, {
    app: createDevopsAgentApp({ registryUrl: new URL(twin.url).origin }),
    account: OWNER,
    repositories: [NAME],
    permissions: manifestPermissions(),
    events: ["issue_comment", "issues", "pull_request", "push"],
  });

  const author = options.author ?? "wes";
  const first = pushFiles(twin, {
    repo: FULL,
    branch: "greeting",
    files: options.prFiles ?? { "src/greeting.txt": "hello again, visitor\n" },
    message: "Greet returning visitors",
    login: author,
  });
  if (options.publish !== false) publish(twin, first.after);
  const pr = openPullRequest(twin, {
    repo: FULL,
    head: "greeting",
    title: "Greet returning visitors",
    login: options.opener ?? author,
  });
  await twin.settled();

  const as = (login: string) => harness.asUser(login);
  const issueComments = (number: number) =>
    Object.values(repo.comments)
      .filter((c) => c.issueNumber === number)
      .sort((a, b) => a.id - b.id);
  const loop: AppLoop = {
    harness,
    twin,
    app,
    repo,
    pr: pr.number,
    as,
    head: () => repo.issues[pr.number]?.pull?.headSha ?? "",
    async comment(login, body, opts = {}) {
      const { data } = await as(login).rest.issues.createComment({
        owner: OWNER,
        repo: NAME,
        issue_number: opts.number ?? pr.number,
        body,
      });
      await twin.settled();
      return data.id;
    },
    async push(login, files) {
      const result = pushFiles(twin, {
        repo: FULL,
        branch: "greeting",
        from: "greeting",
        files: files ?? { "src/greeting.txt": `hello again, visitor ${Date.now()}\n` },
        message: "Another change",
        login,
      });
      publish(twin, result.after);
      await twin.settled();
      return result.after;
    },
    advance(ms) {
      offset += ms;
    },
    async withheld(fn) {
      await twin.settled();
      const url = app.webhookUrl;
      app.webhookUrl = null;
      try {
        return await fn();
      } finally {
        app.webhookUrl = url;
      }
    },
    createdPayload(commentId, sender) {
      const comment = repo.comments[commentId];
      assert.ok(comment, `comment ${commentId}`);
      return JSON.stringify(
        issueCommentPayload(
          twin,
          {
            action: "created",
            repoFullName: FULL,
            issueNumber: comment.issueNumber,
            commentId,
            senderLogin: sender,
          },
          { installation, repo },
        ),
      );
    },
    async deliver(event, body) {
      const response = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": signWebhook(WEBHOOK_SECRET, body),
        },
        body,
      });
      await response.arrayBuffer();
      await twin.settled();
      return response.status;
    },
    appComments(number = pr.number) {
      return issueComments(number)
        .filter((c) => c.userLogin === "devops-agent[bot]")
        .map((c) => c.body);
    },
    lastReply(number = pr.number) {
      return (
        loop
          .appComments(number)
          .filter((b) => !b.startsWith(CHECKLIST_MARKER))
          .at(-1) ?? ""
      );
    },
    checklist(number = pr.number) {
      return loop.appComments(number).find((b) => b.startsWith(CHECKLIST_MARKER));
    },
    snapshot() {
      return {
        runs: Object.keys(repo.runs).map(Number).sort(),
        // Accepted dispatches: a POST the twin refused (no such workflow on the default branch) ran nothing.
        dispatchCalls: twin.exchanges.filter(
          (e) => e.operationId === "actions/create-workflow-dispatch" && e.status < 300,
        ).length,
        checkRuns: Object.values(repo.checkRuns).map((c) => structuredClone(c)),
        refs: Object.fromEntries(
          Object.entries(repo.refs).filter(([ref]) => ref.startsWith("refs/devops-agent/")),
        ),
        deployments: Object.values(repo.deployments).map((d) => structuredClone(d)),
      };
    },
  };
  return loop;
}

function mainFiles(files: Record<string, string | null>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => e[1] !== null));
}

function publish(twin: GithubTwin, sha: string): string {
  return publishImage(twin, { owner: OWNER, packageName: NAME, tags: [`sha-${sha}`], repo: FULL });
}

/** `/devops deploy` by wes (requester), then the snapshot a negative test compares against. */
export async function planned(
  loop: AppLoop,
  options: { requester?: string; body?: string } = {},
): Promise<void> {
  await loop.comment(options.requester ?? "wes", options.body ?? "/devops deploy");
  assert.ok(
    loop.checklist(),
    `a checklist after /devops deploy; replies: ${loop.appComments().join("\n---\n")}`,
  );
  // Comments created from here on are at least a second after the plan (GitHub's timestamps have seconds).
  loop.advance(1000);
}

export function applyRuns(loop: AppLoop) {
  return Object.values(loop.repo.runs).filter((r) => r.inputs.command === "apply");
}

export function planRuns(loop: AppLoop) {
  return Object.values(loop.repo.runs).filter((r) => r.inputs.command === "plan");
}
