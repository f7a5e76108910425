// Check runs: created by a GitHub App (or GITHUB_TOKEN, i.e. the github-actions App) on a commit of the
// repository, and modifiable only by the App that created them: the plan hash lives in one only our App writes.
import { GithubError, notFound } from "../errors.ts";
import { getCommit, resolveRef } from "../git.ts";
import { paginate } from "../paginate.ts";
import { fullName, nodeId } from "../serialize.ts";
import type { CheckRun, Repo } from "../state.ts";
import type { HandlerContext, HandlerTable } from "../twin.ts";
import { GITHUB_ACTIONS_APP_ID, integration } from "./apps.ts";

type CheckStatus = "queued" | "in_progress" | "completed";
interface OutputInput {
  title?: string;
  summary?: string;
  text?: string;
}

/** The App a caller acts as; users cannot write check runs (GitHub: write access is for GitHub Apps only). */
function callerAppId(ctx: HandlerContext): number {
  const identity = ctx.identity;
  if (identity.kind === "installation") return identity.appId;
  if (identity.kind === "run") {
    const installationId = identity.token.installationId;
    return (
      (installationId !== undefined ? ctx.world.installations[installationId]?.appId : undefined) ??
      GITHUB_ACTIONS_APP_ID
    );
  }
  throw new GithubError(403, "Resource not accessible by personal access token");
}

function checkRunBody(ctx: HandlerContext, repo: Repo, run: CheckRun): Record<string, unknown> {
  const api = `${ctx.twin.url}/repos/${fullName(repo)}`;
  const repoRef = { id: repo.id, url: api, name: repo.name };
  const pulls = Object.values(repo.issues).filter(
    (issue) =>
      issue.pull &&
      issue.state === "open" &&
      issue.pull.headSha === run.headSha &&
      issue.pull.headRepo.toLowerCase() === fullName(repo).toLowerCase(),
  );
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: nodeId("CheckRun", run.id),
    external_id: run.externalId,
    url: `${api}/check-runs/${run.id}`,
    html_url: `${ctx.twin.url}/_web/${fullName(repo)}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${run.id}/annotations`,
    },
    name: run.name,
    // The twin keeps no check suites.
    check_suite: null,
    app: integration(ctx.twin, run.appId),
    pull_requests: pulls.map((issue) => ({
      id: issue.id,
      number: issue.number,
      url: `${api}/pulls/${issue.number}`,
      head: { ref: issue.pull?.headRef, sha: issue.pull?.headSha, repo: repoRef },
      base: { ref: issue.pull?.baseRef, sha: issue.pull?.baseSha, repo: repoRef },
    })),
  };
}

function findRun(ctx: HandlerContext, repo: Repo): CheckRun {
  const run = repo.checkRuns[Number(ctx.params.check_run_id)];
  if (!run) throw notFound();
  return run;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Applies status/conclusion/timestamps from a create or update body: a conclusion completes the run. */
function applyProgress(ctx: HandlerContext, run: CheckRun): void {
  const conclusion = str(ctx.body.conclusion);
  if (conclusion === "stale")
    throw new GithubError(422, "Invalid request.\n\nOnly GitHub can set the conclusion `stale`.");
  const status = (str(ctx.body.status) as CheckStatus | undefined) ?? (conclusion ? "completed" : undefined);
  if (status === "completed" && !conclusion && !run.conclusion) {
    throw new GithubError(422, 'Invalid request.\n\n"conclusion" wasn\'t supplied.');
  }
  if (status) run.status = status;
  if (conclusion) run.conclusion = conclusion;
  if (status && status !== "completed") {
    run.conclusion = null;
    run.completedAt = null;
  }
  run.startedAt = str(ctx.body.started_at) ?? run.startedAt ?? ctx.now();
  if (run.status === "completed")
    run.completedAt = str(ctx.body.completed_at) ?? run.completedAt ?? ctx.now();
  const output = ctx.body.output as OutputInput | undefined;
  if (output) {
    run.output = {
      title: output.title ?? run.output.title,
      summary: output.summary ?? run.output.summary,
      text: output.text ?? run.output.text,
    };
  }
  if (ctx.body.external_id !== undefined) run.externalId = str(ctx.body.external_id) ?? null;
  if (ctx.body.details_url !== undefined) run.detailsUrl = str(ctx.body.details_url) ?? null;
  run.updatedAt = ctx.now();
}

export const checkHandlers: HandlerTable = {
  "checks/create": (ctx) => {
    const repo = ctx.repo();
    const appId = callerAppId(ctx);
    const headSha = String(ctx.body.head_sha ?? "");
    if (!getCommit(repo, headSha)) throw new GithubError(422, `No commit found for SHA: ${headSha}`);
    const now = ctx.now();
    const run: CheckRun = {
      id: ctx.twin.nextId(),
      appId,
      name: String(ctx.body.name ?? ""),
      headSha,
      status: "queued",
      conclusion: null,
      externalId: null,
      detailsUrl: null,
      startedAt: null,
      completedAt: null,
      output: { title: null, summary: null, text: null },
      createdAt: now,
      updatedAt: now,
    };
    applyProgress(ctx, run);
    repo.checkRuns[run.id] = run;
    return { status: 201, body: checkRunBody(ctx, repo, run) };
  },

  "checks/get": (ctx) => {
    const repo = ctx.repo();
    return { status: 200, body: checkRunBody(ctx, repo, findRun(ctx, repo)) };
  },

  "checks/update": (ctx) => {
    const repo = ctx.repo();
    const run = findRun(ctx, repo);
    const appId = callerAppId(ctx);
    if (appId !== run.appId) {
      throw new GithubError(
        403,
        `Invalid app_id \`${appId}\` - check run can only be modified by the GitHub App that created it.`,
      );
    }
    if (typeof ctx.body.name === "string") run.name = ctx.body.name;
    applyProgress(ctx, run);
    return { status: 200, body: checkRunBody(ctx, repo, run) };
  },

  "checks/list-for-ref": (ctx) => {
    const repo = ctx.repo();
    const ref = ctx.params.ref ?? "";
    const sha = resolveRef(repo, ref);
    if (!sha) throw new GithubError(422, `No commit found for SHA: ${ref}`);
    const name = ctx.query.get("check_name");
    const status = ctx.query.get("status");
    const appId = ctx.query.get("app_id");
    let runs = Object.values(repo.checkRuns)
      .filter((r) => r.headSha === sha)
      .filter((r) => name === null || r.name === name)
      .filter((r) => status === null || r.status === status)
      .filter((r) => appId === null || r.appId === Number(appId))
      .sort((a, b) => b.id - a.id);
    if ((ctx.query.get("filter") ?? "latest") === "latest") {
      // The most recent run of each name per App.
      const seen = new Set<string>();
      runs = runs.filter((r) => {
        const key = `${r.appId}\n${r.name}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    const { page, headers } = paginate(ctx, runs);
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: page.map((r) => checkRunBody(ctx, repo, r)) },
      headers,
    };
  },
};
