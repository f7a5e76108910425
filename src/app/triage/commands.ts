// `/devops triage [run-url]` and `/devops fix`, for the command router. Both answer on the thread; `fix` is the
// only path that writes to the repository, and only for someone with push access (DESIGN authorization rule 2,
// through the router's authz helpers), only from the App's own triage comment, and only after re-diagnosing
// the run's logs itself: the comment's text is never trusted.
import { getAccess } from "../authz/permission.ts";
import { operatorRefusal, who } from "../authz/rules.ts";
import { inlineCode, neutralize } from "../markdown.ts";
import { latestTriage } from "./comment.ts";
import { openFixPullRequest } from "./fix-pr.ts";
import { recipeFor } from "./fixes/index.ts";
import { appBotLogin } from "./identity.ts";
import { filesForRecipe } from "./repo-files.ts";
import { diagnoseRun } from "./run-logs.ts";
import { parseRunUrl } from "./run-url.ts";
import { triageRunInto } from "./triage-run.ts";
import {
  FAILED_CONCLUSIONS,
  type Fetch,
  httpStatus,
  runFacts,
  type TriageLog,
  type TriageOctokit,
} from "./types.ts";

export interface TriageCommandOptions {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  issueNumber: number;
  log: TriageLog;
  /** The App's slug; asked of GitHub (GET /app) when absent. */
  appSlug?: string;
  fetch?: Fetch | undefined;
}

export type CommandOutcome = { ok: true; detail: string } | { ok: false; reason: string };

async function reply(options: TriageCommandOptions, body: string): Promise<void> {
  const { octokit, owner, repo, issueNumber } = options;
  await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
}

async function pullOrUndefined(options: TriageCommandOptions) {
  const { octokit, owner, repo, issueNumber } = options;
  try {
    return (await octokit.rest.pulls.get({ owner, repo, pull_number: issueNumber })).data;
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}

async function refuseWith(options: TriageCommandOptions, reason: string): Promise<CommandOutcome> {
  options.log.info(`${options.owner}/${options.repo}#${options.issueNumber}: ${reason}`);
  await reply(options, reason);
  return { ok: false, reason };
}

/** Re-runs the diagnosis of a run (the URL's, or the PR head's latest failed one) and posts or updates its comment. */
export async function runTriageCommand(
  options: TriageCommandOptions & { runUrl?: string },
): Promise<CommandOutcome> {
  const { octokit, owner, repo } = options;
  let runId: number | undefined;
  if (options.runUrl !== undefined) {
    const parsed = parseRunUrl(options.runUrl, { owner, repo });
    if ("problem" in parsed) return refuseWith(options, `\`/devops triage\`: ${parsed.problem}.`);
    runId = parsed.runId;
  } else {
    const pull = await pullOrUndefined(options);
    if (!pull)
      return refuseWith(
        options,
        "`/devops triage` without a run URL works on a pull request: give the run's URL here.",
      );
    const { data } = await octokit.rest.actions.listWorkflowRunsForRepo({
      owner,
      repo,
      head_sha: pull.head.sha,
      per_page: 100,
    });
    const failed = data.workflow_runs
      .filter((r) => r.conclusion !== null && FAILED_CONCLUSIONS.has(r.conclusion))
      .sort((a, b) => b.id - a.id)[0];
    if (!failed)
      return refuseWith(
        options,
        `No failed workflow run for the head commit ${inlineCode(pull.head.sha.slice(0, 7))}: nothing to triage.`,
      );
    runId = failed.id;
  }
  let run: ReturnType<typeof runFacts>;
  try {
    run = runFacts((await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: runId })).data);
  } catch (error) {
    if (httpStatus(error) === 404)
      return refuseWith(options, `Workflow run ${runId} does not exist in ${owner}/${repo}.`);
    throw error;
  }
  if (!FAILED_CONCLUSIONS.has(run.conclusion))
    return refuseWith(
      options,
      `Run ${runId} ${run.conclusion ? `concluded ${inlineCode(run.conclusion)}` : "has not completed"}: nothing to triage.`,
    );
  const botLogin = await appBotLogin(octokit, options.appSlug);
  const done = await triageRunInto({ ...options, run, botLogin, fetch: options.fetch ?? globalThis.fetch });
  return { ok: true, detail: `triaged run ${run.id}: ${done.category}` };
}

/**
 * Opens the fix pull request for the failure the App's latest triage comment on this PR names. The requester
 * is the author of `commentId` as GitHub reports it (or `sender`, which must agree); push access or above.
 */
export async function runFixCommand(
  options: TriageCommandOptions & { commentId?: number; sender?: string },
): Promise<CommandOutcome> {
  const { octokit, owner, repo, issueNumber, log } = options;
  let login = options.sender;
  if (options.commentId !== undefined) {
    const { data: comment } = await octokit.rest.issues.getComment({
      owner,
      repo,
      comment_id: options.commentId,
    });
    if (!comment.issue_url.endsWith(`/issues/${issueNumber}`) || !comment.user)
      return refuseWith(options, "`/devops fix`: the command comment is not on this thread.");
    if (login !== undefined && login.toLowerCase() !== comment.user.login.toLowerCase())
      return refuseWith(options, "`/devops fix`: the command's sender and its comment's author differ.");
    login = comment.user.login;
  }
  if (login === undefined)
    return refuseWith(options, "`/devops fix`: cannot tell who asked, so nothing is done.");
  const access = await getAccess({ octokit, owner, repo, login });
  const refusal = operatorRefusal({ login, access, command: "`/devops fix`" });
  if (refusal) return refuseWith(options, `${who(login)} cannot open a fix pull request: ${refusal.reason}.`);

  const pull = await pullOrUndefined(options);
  if (!pull) return refuseWith(options, "`/devops fix` works on a pull request with a triage comment.");
  const botLogin = await appBotLogin(octokit, options.appSlug);
  const triage = await latestTriage({ octokit, owner, repo, issueNumber, botLogin });
  if (!triage)
    return refuseWith(
      options,
      "There is no triage comment of mine on this pull request: comment `/devops triage` first.",
    );

  const run = runFacts(
    (await octokit.rest.actions.getWorkflowRun({ owner, repo, run_id: triage.runId })).data,
  );
  const fetchFn = options.fetch ?? globalThis.fetch;
  const result = await diagnoseRun({ octokit, owner, repo, run, fetch: fetchFn, log });
  const chosen = result.chosen;
  if (!chosen || chosen.diagnosis.category === "unknown")
    return refuseWith(
      options,
      `Run ${run.id}'s logs name no root cause I know, so there is no fix to propose.`,
    );
  const recipe = recipeFor(chosen.diagnosis);
  if (!recipe)
    return refuseWith(
      options,
      `There is no automatic fix for ${inlineCode(chosen.diagnosis.category)}; the triage comment says what to change.`,
    );

  // Into the branch the failure happened on: the PR's head, or the default branch when the run was on it.
  const { data: repository } = await octokit.rest.repos.get({ owner, repo });
  let base: { branch: string; sha: string };
  if (run.headBranch === repository.default_branch && run.headSha !== pull.head.sha) {
    const { data: ref } = await octokit.rest.git.getRef({
      owner,
      repo,
      ref: `heads/${repository.default_branch}`,
    });
    base = { branch: repository.default_branch, sha: ref.object.sha };
  } else {
    if (pull.head.repo?.full_name.toLowerCase() !== `${owner}/${repo}`.toLowerCase())
      return refuseWith(
        options,
        "This pull request comes from a fork: I cannot push a fix into its branch. Apply the change the triage comment describes there.",
      );
    base = { branch: pull.head.ref, sha: pull.head.sha };
  }
  const files = await filesForRecipe({
    octokit,
    owner,
    repo,
    sha: base.sha,
    recipe,
    workflowPath: run.workflowPath,
  });
  const outcome = recipe.apply({
    diagnosis: chosen.diagnosis,
    files,
    workflowPath: run.workflowPath,
    jobName: chosen.job.name,
  });
  if (!outcome.applies) return refuseWith(options, `No fix pull request: ${outcome.reason}.`);

  const body = [
    outcome.body,
    "",
    `Fixes the failure of [run ${run.id}](${run.htmlUrl}) (job ${inlineCode(chosen.job.name)}, ${inlineCode(chosen.diagnosis.category)}), diagnosed again from its logs when ${who(login)} asked with \`/devops fix\` on #${issueNumber}.`,
  ].join("\n");
  let pr: Awaited<ReturnType<typeof openFixPullRequest>>;
  try {
    pr = await openFixPullRequest({
      octokit,
      owner,
      repo,
      runId: run.id,
      base,
      changes: outcome.changes,
      title: outcome.title,
      body,
    });
  } catch (error) {
    const status = httpStatus(error);
    if (status === undefined || status >= 500) throw error;
    const workflows = Object.keys(outcome.changes).some((p) => p.startsWith(".github/workflows/"))
      ? " Changing a workflow file needs the App's `workflows` permission: grant it in the App's installation settings, or apply the change by hand."
      : "";
    return refuseWith(
      options,
      `Could not open the fix pull request: GitHub answered ${status} (${neutralize((error as Error).message)}).${workflows}`,
    );
  }
  await reply(
    options,
    `${pr.created ? "Opened" : "Already open:"} #${pr.number} into ${inlineCode(base.branch)}: ${outcome.summary}.`,
  );
  log.info(`run ${run.id}: fix PR #${pr.number} (${recipe.id})`);
  return { ok: true, detail: `fix PR #${pr.number}` };
}
