// A rollback is a plan like any other: built from the undo records an approved apply left in the App's check
// run, it goes through the same plan run, approval and apply. Pure: the handler reads and writes GitHub.
import type { Plan, Step } from "./types.ts";

/** What the runner records for each step it changed (src/runner/apply.ts UndoRecord), newest first. */
export interface UndoRecordLike {
  stepId: string;
  provider: Step["provider"];
  action: string;
  target: string;
  state: unknown;
}

/** One undo record as a rollback step: a `*.delete` wants the resource gone; anything else its recorded state. */
export function rollbackStep(record: UndoRecordLike): Step {
  const remove = record.action.endsWith(".delete");
  return {
    id: rollbackStepId(record),
    provider: record.provider,
    action: record.action,
    target: record.target,
    risk: remove ? "delete" : "update",
    desired: remove ? null : record.state,
    undo: null,
  };
}

export function rollbackStepId(record: Pick<UndoRecordLike, "provider" | "action" | "target">): string {
  return `${record.provider}.${record.action}:${record.target}`;
}

/**
 * The undo records as steps, in their order (newest first), less what cannot or need not be taken back (see
 * takesBack). A `*.delete` wants the resource gone (desired null); anything else puts back the recorded state. Undo steps have no undo of their own: rolling back a
 * rollback is a fresh `/devops deploy`. Two records of one resource keep the later position with the oldest
 * record's state, so the end state is what was there before the apply.
 */
export function buildRollbackPlan(options: {
  applied: Plan;
  appliedHash: string;
  undo: UndoRecordLike[];
}): Plan {
  const { applied, appliedHash, undo } = options;
  const steps = new Map<string, Step>();
  const deletedApps = new Set(
    undo.filter((r) => r.provider === "dokploy" && r.action === "application.delete").map((r) => r.target),
  );
  for (const record of undo.filter((r) => takesBack(r, deletedApps))) {
    const step = rollbackStep(record);
    steps.delete(step.id);
    steps.set(step.id, step);
  }
  return {
    version: 1,
    repository: applied.repository,
    pullNumber: applied.pullNumber,
    environment: applied.environment,
    headSha: applied.headSha,
    configSha: applied.configSha,
    image: applied.image,
    steps: [...steps.values()],
    rollbackOf: appliedHash,
  };
}

/**
 * Which records a rollback can and should take. A deploy cannot be un-run (the image and environment restores
 * put the settings back; running the old image again is a fresh deploy someone asks for), and restoring the
 * settings of an application the same rollback deletes is pointless (and, once it is gone, drift).
 */
function takesBack(record: UndoRecordLike, deletedApps: Set<string>): boolean {
  if (record.provider !== "dokploy") return true;
  if (record.action === "application.deploy") return false;
  if (record.action === "docker-provider.set" || record.action === "environment.set") {
    return !deletedApps.has(record.target);
  }
  return true;
}
