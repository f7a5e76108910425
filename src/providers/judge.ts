// The kernel's drift rule (DESIGN "Drift is judged per step"), pure so it is tested without any provider:
// at apply, the live state must be the state the plan expected (apply the step) or already the desired state
// (skip it: how a resumed or re-run apply converges). Anything else is drift: refuse, report, change nothing.
// One refinement makes resuming possible: a resource that was absent at plan time and is now ours was made by
// our own earlier attempt, so it is converged rather than refused.
import { isDeepStrictEqual } from "node:util";
import type { Step } from "../plan/types.ts";
import type { LiveState } from "./types.ts";

export type Verdict = "apply" | "skip" | "drift";

export function judge(step: Step, live: LiveState): Verdict {
  // A resource that exists and is not ours is changed only when the plan says adopt (issue 4).
  if (live.exists && !live.ours && !step.adopt) return "drift";
  if (matches(live, step.desired)) return "skip";
  if (step.expected === undefined || step.expected === null) {
    if (!live.exists) return "apply";
    // Absent when the plan was read (or never read), there now and tagged ours: only an apply of ours writes
    // our tag, so an earlier attempt of an approved apply made it (a crash, a lost answer, a step that
    // created the parent this step configures). Converging it is resuming. Anyone else's resource that
    // appeared since the plan is drift, adopt or not: nobody approved changing it.
    return live.ours ? "apply" : "drift";
  }
  return matches(live, step.expected) ? "apply" : "drift";
}

/**
 * A live state as a plan records it (a step's `expected`, an undo's "what was there"): the allow-listed state,
 * or null for absent, which is what `matches` reads back.
 */
export function recordedState(live: LiveState): unknown {
  return live.exists ? live.state : null;
}

/**
 * Whether live state is `target`: null means absent; otherwise every field the target names must be equal
 * (providers report allow-listed fields in the shape of `desired`; fields the target does not name are not
 * ours to judge, e.g. timestamps).
 */
export function matches(live: LiveState, target: unknown): boolean {
  if (target === null) return !live.exists;
  if (!live.exists) return false;
  return isSubset(target, live.state);
}

function isSubset(target: unknown, actual: unknown): boolean {
  if (isRecord(target) && isRecord(actual)) {
    return Object.entries(target).every(([key, value]) => isSubset(value, actual[key]));
  }
  return isDeepStrictEqual(target, actual);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
