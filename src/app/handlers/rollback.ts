// `/devops rollback`: plans the undo steps the last apply of this pull request's head recorded (stored by the
// App with the plan in its check run when the run ended) as a plan of its own, then treats it exactly like
// `/devops deploy`: pinned in a check run, the read-only plan run fills in the live state, and `/approve` (same
// rules: maintain, not the requester, author or a pusher; single-use refs; a Deployment) dispatches its apply.
import { renderChecklist } from "../../plan/checklist.ts";
import { pin } from "../../plan/hash.ts";
import { buildRollbackPlan } from "../../plan/rollback.ts";
import { getAccess } from "../authz/permission.ts";
import { operatorRefusal, who } from "../authz/rules.ts";
import { inlineCode } from "../markdown.ts";
import { readUndo, writePlanCheck } from "../plan-store.ts";
import { type CommandContext, refuse, shortSha, writeChecklist } from "./context.ts";
import { ourChecksOn } from "./head-checks.ts";
import { dispatchPlanRun } from "./plan-run.ts";

const COMMAND = "/devops rollback";

export async function handleRollback(ctx: CommandContext): Promise<void> {
  const { octokit, repository } = ctx;
  const { owner, repo } = repository;
  if (!ctx.isPullRequest) {
    await ctx.reply(
      `${inlineCode(COMMAND)} works on pull requests: comment it on the one that was deployed.`,
    );
    return;
  }
  const access = await getAccess({ octokit, owner, repo, login: ctx.sender.login });
  const refusal = operatorRefusal({ login: ctx.sender.login, access, command: COMMAND });
  if (refusal) {
    await refuse(ctx, {
      action: `run ${COMMAND}`,
      refusal,
      fix: "Ask someone with write access to comment it.",
    });
    return;
  }
  const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: ctx.issueNumber });
  if (pull.state !== "open") {
    await ctx.reply(`This pull request is ${pull.state}: only an open pull request is rolled back.`);
    return;
  }
  const headSha = pull.head.sha;
  const recorded = await readUndo(ourChecksOn(ctx, headSha));
  if (!recorded) {
    await ctx.reply(
      `Nothing to roll back: no apply of this pull request's head ${shortSha(headSha)} recorded undo steps ` +
        "(or its last one was already rolled back). Nothing was planned or dispatched.",
    );
    return;
  }
  const plan = buildRollbackPlan({
    applied: recorded.pinned.plan,
    appliedHash: recorded.pinned.hash,
    undo: recorded.undo,
  });
  const pinned = pin(plan);
  await writePlanCheck({ octokit, owner, repo, pinned, detailsUrl: ctx.comment.htmlUrl });
  const note = await dispatchPlanRun(ctx, { headSha, pinned });
  const body = renderChecklist({
    pinned,
    state: { status: "planned", requestedBy: ctx.sender.login, approvals: [] },
  });
  await writeChecklist(ctx, `${body}\n${note}\n`);
  ctx.log.info(
    `planned rollback ${pinned.hash} of ${recorded.pinned.hash} for ${owner}/${repo}#${ctx.issueNumber} ` +
      `(${plan.steps.length} undo steps) by ${who(ctx.sender.login)}`,
  );
}
