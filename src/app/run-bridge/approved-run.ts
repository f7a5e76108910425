// "Is this the approved run?": the App records each approval as a Deployment whose payload names the plan hash
// and the apply run it dispatched (handlers/deployments.ts). Only that run, proven by its ID token's run_id,
// may tick the checklist or get a secrets token; a plan run, a re-dispatch by hand or another repository's run
// holds no such Deployment.
import type { BridgeCaller } from "./verify.ts";
import { BridgeRefusal } from "./verify.ts";

export interface ApprovedRun {
  deploymentId: number;
  headSha: string;
  environment: string;
  approvedBy: string | undefined;
  approvedAt: string;
}

export async function approvedRun(options: {
  caller: BridgeCaller;
  planHash: string;
  pr: number;
}): Promise<ApprovedRun> {
  const { caller, planHash, pr } = options;
  const { owner, repo } = caller.repository;
  const deployments = await caller.octokit.paginate(caller.octokit.rest.repos.listDeployments, {
    owner,
    repo,
    per_page: 100,
  });
  const newest = deployments
    .filter((d) => payloadOf(d.payload).planHash === planHash)
    .sort((a, b) => b.id - a.id)[0];
  const plan = planHash.slice(0, 12);
  if (!newest) {
    throw new BridgeRefusal(
      403,
      `plan ${plan} is not approved: no deployment of ${owner}/${repo} records it`,
    );
  }
  const payload = payloadOf(newest.payload);
  if (payload.runId !== caller.runId) {
    throw new BridgeRefusal(
      403,
      `run ${caller.runId} is not the approved run of plan ${plan} ` +
        `(deployment ${newest.id} names ${typeof payload.runId === "number" ? `run ${payload.runId}` : "no run"})`,
    );
  }
  if (payload.pr !== pr) {
    throw new BridgeRefusal(
      403,
      `plan ${plan} was approved for pull request #${String(payload.pr)}, not #${pr}`,
    );
  }
  return {
    deploymentId: newest.id,
    headSha: newest.sha,
    environment: newest.environment,
    approvedBy: typeof payload.approvedBy === "string" ? payload.approvedBy : undefined,
    approvedAt: newest.created_at,
  };
}

function payloadOf(payload: unknown): {
  planHash?: unknown;
  runId?: unknown;
  pr?: unknown;
  approvedBy?: unknown;
} {
  if (typeof payload === "string") {
    try {
      return payloadOf(JSON.parse(payload));
    } catch {
      return {};
    }
  }
  return typeof payload === "object" && payload !== null ? payload : {};
}
