// The read-only plan run behind a planned checklist (`/devops deploy`, `/devops plan`, `/devops rollback`): each
// dispatches it alike and its checklist says the same of it. A failed dispatch does not fail the command: the
// plan is pinned already, and the note says what is missing and why.
import type { PinnedPlan } from "../../plan/types.ts";
import { inlineCode } from "../markdown.ts";
import type { CommandContext } from "./context.ts";
import { dispatchRun } from "./dispatch.ts";

/** Dispatches the read-only plan run of a pinned plan; answers the checklist's note about that run. */
export async function dispatchPlanRun(
  ctx: CommandContext,
  options: { headSha: string; pinned: PinnedPlan },
): Promise<string> {
  const { octokit, repository } = ctx;
  const { headSha, pinned } = options;
  try {
    const run = await dispatchRun({
      octokit,
      repository,
      inputs: {
        command: "plan",
        pr: String(ctx.issueNumber),
        "head-sha": headSha,
        "plan-hash": pinned.hash,
        environment: pinned.plan.environment,
      },
    });
    return run.runUrl
      ? `🔎 The read-only [plan run](${run.runUrl}) reads the live state and fills in the diff.`
      : "🔎 The read-only plan run reads the live state and fills in the diff.";
  } catch (error) {
    ctx.log.warn(`plan run dispatch failed: ${(error as Error).message}`);
    return (
      "⚠️ The read-only plan run could not be dispatched: is the devops-agent workflow on " +
      `${inlineCode(repository.defaultBranch)}? The live diff is missing until it runs.`
    );
  }
}
