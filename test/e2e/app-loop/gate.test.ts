// DESIGN rule 5 on the runner's side: after the real App approved and dispatched, apply's gate re-verifies
// everything from the GitHub API. A forged dispatch (inputs naming another approval, hash, head or run), a
// replayed one (the same inputs in a second run), an edit, a push or a stale plan is refused, with the reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import { APPROVAL_REF_PREFIX } from "../../../src/app/names.ts";
import { type GateInputs, verifyApproval } from "../../../src/runner/gate.ts";
import { type AppLoop, applyRuns, NAME, OWNER, planned, startAppLoop } from "../../support/app-loop.ts";

async function approved(
  t: Parameters<typeof startAppLoop>[0],
): Promise<{ loop: AppLoop; inputs: GateInputs }> {
  const loop = await startAppLoop(t);
  await planned(loop);
  await loop.comment("maya", "/approve");
  const [run] = applyRuns(loop);
  assert.ok(run, loop.lastReply());
  return {
    loop,
    inputs: {
      owner: OWNER,
      repo: NAME,
      pr: Number(run.inputs.pr),
      headSha: String(run.inputs["head-sha"]),
      planHash: String(run.inputs["plan-hash"]),
      approvalCommentId: Number(run.inputs["approval-comment-id"]),
      runId: run.id,
      ref: run.ref ?? "",
      appSlug: "devops-agent",
    },
  };
}

/** The gate as the Action runs it: read-only, through a client that can read the repository. */
function gate(loop: AppLoop, inputs: GateInputs) {
  return verifyApproval(loop.as("tara"), inputs);
}

async function refusal(loop: AppLoop, inputs: GateInputs): Promise<{ id: string; reason: string }> {
  const result = await gate(loop, inputs);
  assert.equal(result.ok, false, "refused");
  return result.ok ? { id: "", reason: "" } : result.refusal;
}

test("[authz:action-reverifies] allows the run the App dispatched for a valid approval, with the plan from the App's check run", async (t) => {
  const { loop, inputs } = await approved(t);
  const result = await gate(loop, inputs);
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.pinned.hash, inputs.planHash);
  assert.equal(result.approver, "maya");
  assert.equal(result.defaultBranch, "main");
  assert.equal(loop.repo.deployments[result.deploymentId]?.environment, "production");
});

test("[authz:action-reverifies] refuses the same inputs in a run the App did not dispatch (a replay by hand)", async (t) => {
  const { loop, inputs } = await approved(t);
  const r = await refusal(loop, { ...inputs, runId: inputs.runId + 1000 });
  assert.equal(r.id, "apply:approval-names-this-run");
  assert.match(r.reason, /names run \d+, not this run/);
});

test("[apply:approval-names-this-run] allows only with the approval's ref at the head and refuses when it is gone", async (t) => {
  const { loop, inputs } = await approved(t);
  assert.ok((await gate(loop, inputs)).ok);
  delete loop.repo.refs[`${APPROVAL_REF_PREFIX}${inputs.approvalCommentId}`];
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "apply:approval-names-this-run");
  assert.match(r.reason, /does not exist: the App did not record this approval/);
});

test("[apply:approval-names-this-run] refuses a forged dispatch naming another comment as the approval", async (t) => {
  const { loop, inputs } = await approved(t);
  const forged = await loop.comment("maya", "/approve");
  const r = await refusal(loop, { ...inputs, approvalCommentId: forged });
  assert.equal(r.id, "apply:approval-names-this-run");
});

test("[apply:approval-comment-valid] allows an unedited /approve on this pull request, refuses an edited one", async (t) => {
  const { loop, inputs } = await approved(t);
  assert.ok((await gate(loop, inputs)).ok);
  loop.advance(2000);
  await loop.as("maya").rest.issues.updateComment({
    owner: OWNER,
    repo: NAME,
    comment_id: inputs.approvalCommentId,
    body: "/approve",
  });
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "apply:approval-comment-valid");
  assert.match(r.reason, /was edited/);
});

test("[apply:approval-comment-valid] refuses a comment that is not an /approve, or a deleted one", async (t) => {
  const { loop, inputs } = await approved(t);
  const chatter = await loop.comment("maya", "looks good");
  assert.equal(
    (await refusal(loop, { ...inputs, approvalCommentId: chatter })).id,
    "apply:approval-comment-valid",
  );
  // Deleted straight from the world: the twin delivers no issue_comment.deleted webhook.
  delete loop.repo.comments[inputs.approvalCommentId];
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "apply:approval-comment-valid");
  assert.match(r.reason, /does not exist/);
});

test("[apply:head-unchanged] allows the approved head, refuses after a push to the pull request", async (t) => {
  const { loop, inputs } = await approved(t);
  assert.ok((await gate(loop, inputs)).ok);
  await loop.push("wes");
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "apply:head-unchanged");
  assert.match(r.reason, /moved to/);
});

test("[apply:plan-hash-matches-check] allows the App's current plan hash, refuses another hash", async (t) => {
  const { loop, inputs } = await approved(t);
  assert.ok((await gate(loop, inputs)).ok);
  const r = await refusal(loop, { ...inputs, planHash: "f".repeat(64) });
  assert.equal(r.id, "apply:plan-hash-matches-check");
  assert.match(r.reason, /not the dispatched/);
});

test("[apply:plan-hash-matches-check] refuses a plan written after the approval (a fresh /devops deploy)", async (t) => {
  const { loop, inputs } = await approved(t);
  loop.advance(2000);
  await loop.comment("wes", "/devops deploy");
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "apply:plan-hash-matches-check");
});

test("[authz:dispatch-default-branch-only] refuses a run on another branch", async (t) => {
  const { loop, inputs } = await approved(t);
  const r = await refusal(loop, { ...inputs, ref: "refs/heads/greeting" });
  assert.equal(r.id, "authz:dispatch-default-branch-only");
});

test("[authz:approve-needs-maintain] refuses at apply when the approver lost maintain since approving", async (t) => {
  const { loop, inputs } = await approved(t);
  const repo = loop.repo as unknown as { collaborators: Record<string, string> };
  repo.collaborators.maya = "write";
  const r = await refusal(loop, inputs);
  assert.equal(r.id, "authz:approve-needs-maintain");
});

test("[apply:head-unchanged] refuses a forged head-sha that is not the pull request's head", async (t) => {
  const { loop, inputs } = await approved(t);
  const r = await refusal(loop, { ...inputs, headSha: "b".repeat(40) });
  assert.equal(r.id, "apply:head-unchanged");
  assert.match(r.reason, /since the approval of `bbbbbbb`/);
});
