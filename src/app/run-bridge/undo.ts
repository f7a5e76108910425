// The undo records an apply run sends with its final progress call. The App keeps only what the approved plan
// declared: each record names a step of the plan that has an undo, with that undo's action on that step's
// target, and the declared state unless the step restores "what was there" (read by the run before it changed
// it). So a run can store no rollback the approver did not, in effect, approve.
import { isDeepStrictEqual } from "node:util";
import type { UndoRecordBody } from "../../bridge/protocol.ts";
import { RESTORE_EXPECTED } from "../../plan/build.ts";
import type { Plan } from "../../plan/types.ts";
import { BridgeRefusal } from "./verify.ts";

export function checkUndo(plan: Plan, undo: readonly UndoRecordBody[]): void {
  const steps = new Map(plan.steps.map((s) => [s.id, s]));
  undo.forEach((record, index) => {
    const at = `undo.${index}`;
    const step = steps.get(record.stepId);
    if (!step) throw new BridgeRefusal(400, `${at}.stepId: ${record.stepId} is not a step of the plan`);
    if (!step.undo) throw new BridgeRefusal(400, `${at}: step ${step.id} records no undo in the plan`);
    if (record.provider !== step.provider || record.target !== step.target) {
      throw new BridgeRefusal(400, `${at}: not step ${step.id}'s provider and target`);
    }
    if (record.action !== step.undo.action) {
      throw new BridgeRefusal(400, `${at}.action: step ${step.id}'s undo is ${step.undo.action}`);
    }
    if (!restoresExpected(step.undo.state) && !isDeepStrictEqual(record.state, step.undo.state)) {
      throw new BridgeRefusal(400, `${at}.state: not the undo state step ${step.id} declares`);
    }
  });
}

/**
 * A re-run attempt of the approved run (same run id) reports only what it changed itself: its records go first
 * (newest first) and the earlier ones stay after them. A repeated call adds nothing twice.
 */
export function mergeUndo(
  newer: readonly UndoRecordBody[],
  older: readonly UndoRecordBody[],
): UndoRecordBody[] {
  const seen = new Set<string>();
  const merged: UndoRecordBody[] = [];
  for (const record of [...newer, ...older]) {
    const key = JSON.stringify(record);
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push(record);
  }
  return merged;
}

function restoresExpected(state: unknown): boolean {
  return (
    typeof state === "object" &&
    state !== null &&
    (state as { restore?: unknown }).restore === RESTORE_EXPECTED.restore
  );
}
