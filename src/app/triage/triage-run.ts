// The read-only core both the webhook and `/devops triage` use: diagnose a failed run, ask the matching fix
// recipe (if any) whether it would apply to the files at the run's commit, and write the one comment.
import { renderTriageComment, upsertTriageComment } from "./comment.ts";
import { type FixOutcome, recipeFor } from "./fixes/index.ts";
import { filesForRecipe } from "./repo-files.ts";
import { diagnoseRun, type RunDiagnosis } from "./run-logs.ts";
import type { Fetch, RunFacts, TriageLog, TriageOctokit } from "./types.ts";

export interface TriageTarget {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  run: RunFacts;
  fetch: Fetch;
  log: TriageLog;
}

/** Whether the recipe for this cause would apply at `sha` (read-only: files are read, nothing is written). */
export async function previewFix(
  target: TriageTarget & { result: RunDiagnosis; sha: string },
): Promise<FixOutcome | undefined> {
  const chosen = target.result.chosen;
  if (!chosen) return undefined;
  const recipe = recipeFor(chosen.diagnosis);
  if (!recipe) return undefined;
  const files = await filesForRecipe({ ...target, recipe, workflowPath: target.run.workflowPath });
  return recipe.apply({
    diagnosis: chosen.diagnosis,
    files,
    workflowPath: target.run.workflowPath,
    jobName: chosen.job.name,
  });
}

export async function triageRunInto(
  target: TriageTarget & { issueNumber: number; botLogin: string },
): Promise<{ commentId: number; created: boolean; category: string }> {
  const { run, log } = target;
  const result = await diagnoseRun(target);
  let fix: FixOutcome | undefined;
  try {
    fix = await previewFix({ ...target, result, sha: run.headSha });
  } catch (error) {
    log.warn(`run ${run.id}: could not check the fix recipe (${(error as Error).message})`);
  }
  const body = renderTriageComment({ run, result, ...(fix ? { fix } : {}) });
  const posted = await upsertTriageComment({ ...target, runId: run.id, body });
  const category = result.chosen?.diagnosis.category ?? "unknown";
  log.info(
    `run ${run.id}: triage ${posted.created ? "posted" : "updated"} on #${target.issueNumber} (${category})`,
  );
  return { ...posted, category };
}
