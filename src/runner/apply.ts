// Executes an approved plan, step by step: read → judge → apply (whose postcondition the provider reads back)
// → record the undo. Stops at the first step that drifts or fails, so nothing is half-applied past a problem,
// and reports exactly what changed. Nothing is kept between runs: a resumed or re-run apply reads the world
// again, and every step already done judges `skip` (DESIGN "Drift is judged per step"), so a crash between or
// inside steps converges to the same end state without duplicates (providers find before they create).
// Verification steps (risk `read`) change nothing: they run after the changes and each reports its evidence.
import { RESTORE_EXPECTED } from "../plan/build.ts";
import type { Plan, Step } from "../plan/types.ts";
import { judge, recordedState } from "../providers/judge.ts";
import { type LiveState, type Provider, ProviderError } from "../providers/types.ts";

export type StepStatus = "pending" | "running" | "done" | "skipped" | "failed" | "drift";

export interface StepOutcome {
  id: string;
  status: StepStatus;
  /** The live state read before the step (allow-listed, fingerprints only). */
  before?: LiveState;
  /** What went wrong, in a sentence (already free of secret values: providers never put them in errors). */
  error?: { reason: string; message: string };
  /** A verification step's finding in a sentence, with its raw evidence in it. */
  detail?: string;
  /** A verification step's raw evidence (address, certificate, status, log line), read back from the world. */
  evidence?: Record<string, unknown>;
}

/** How to take back one applied step: the step's undo with "restore what was there" resolved. */
export interface UndoRecord {
  stepId: string;
  provider: Step["provider"];
  action: string;
  target: string;
  state: unknown;
}

export interface ApplyResult {
  ok: boolean;
  outcomes: StepOutcome[];
  /** Steps this run changed, in order. */
  changed: string[];
  /** Undo records of the changed steps, newest first: the order a rollback takes them. */
  undo: UndoRecord[];
  /** The step that stopped the run, when one did. */
  stoppedAt?: string;
  /** The error that stopped the run (for triage of a failed deployment, say). */
  failure?: unknown;
}

export interface ApplyOptions {
  plan: Plan;
  providers: readonly Provider[];
  /** Every change of a step's status; the caller coalesces before posting anything. */
  onProgress?: (outcomes: readonly StepOutcome[]) => void | Promise<void>;
  /** Run the verification steps (default true); `plan` runs never apply, `verify` runs only verifies. */
  verify?: boolean;
  /** Verification only, no changes: the `verify` command. */
  verifyOnly?: boolean;
  /**
   * A verification step's evidence, read after it passed or gave up (the verify provider's `check`); without
   * it the outcome says only pass or fail.
   */
  describe?: (
    step: Step,
    provider: Provider,
  ) => Promise<{ detail: string; evidence?: Record<string, unknown> } | undefined>;
}

export class NoProviderError extends Error {
  constructor(step: Step) {
    super(`no provider handles ${step.provider} ${step.action} (step ${step.id}); nothing was changed`);
    this.name = "NoProviderError";
  }
}

/** Which provider runs each step, checked for every step before any is run. */
export function assignProviders(plan: Plan, providers: readonly Provider[]): Map<string, Provider> {
  const assigned = new Map<string, Provider>();
  for (const step of plan.steps) {
    const provider = providers.find((p) => p.handles(step));
    if (!provider) throw new NoProviderError(step);
    assigned.set(step.id, provider);
  }
  return assigned;
}

export async function applyPlan(options: ApplyOptions): Promise<ApplyResult> {
  const { plan } = options;
  const runVerify = options.verify ?? true;
  const steps = plan.steps.filter((s) =>
    options.verifyOnly ? s.risk === "read" : s.risk !== "read" || runVerify,
  );
  const assigned = assignProviders({ ...plan, steps }, options.providers);
  const outcomes: StepOutcome[] = steps.map((s) => ({ id: s.id, status: "pending" }));
  const result: ApplyResult = { ok: true, outcomes, changed: [], undo: [] };
  const report = async () => options.onProgress?.(outcomes.map((o) => ({ ...o })));
  const mutating = steps.filter((s) => s.risk !== "read");
  const verifying = steps.filter((s) => s.risk === "read");

  for (const step of mutating) {
    const outcome = outcomes.find((o) => o.id === step.id) as StepOutcome;
    const provider = assigned.get(step.id) as Provider;
    outcome.status = "running";
    await report();
    try {
      const before = await provider.read(step);
      outcome.before = before;
      const verdict = judge(step, before);
      if (verdict === "skip") {
        outcome.status = "skipped";
      } else if (verdict === "drift") {
        outcome.status = "drift";
        outcome.error = { reason: "drift", message: driftMessage(step, before) };
      } else {
        await provider.apply(step);
        outcome.status = "done";
        result.changed.push(step.id);
        const undo = undoRecord(step, before);
        if (undo) result.undo.unshift(undo);
      }
    } catch (error) {
      outcome.status = "failed";
      outcome.error = errorOf(error);
      result.failure = error;
    }
    await report();
    if (outcome.status === "failed" || outcome.status === "drift") {
      result.ok = false;
      result.stoppedAt = step.id;
      return result;
    }
  }

  // Verifications run even when one of them fails: each is independent evidence, and a report with all four
  // says more than one that stops at the first.
  for (const step of verifying) {
    const outcome = outcomes.find((o) => o.id === step.id) as StepOutcome;
    const provider = assigned.get(step.id) as Provider;
    outcome.status = "running";
    await report();
    try {
      await provider.apply(step);
      outcome.status = "done";
    } catch (error) {
      outcome.status = "failed";
      outcome.error = errorOf(error);
      result.ok = false;
      result.stoppedAt ??= step.id;
      result.failure ??= error;
    }
    const found = await options.describe?.(step, provider).catch(() => undefined);
    if (found) {
      outcome.detail = found.detail;
      if (found.evidence) outcome.evidence = found.evidence;
    }
    await report();
  }
  return result;
}

/** The undo of an applied step; "restore expected" becomes the state read just before the change. */
export function undoRecord(step: Step, before: LiveState): UndoRecord | undefined {
  if (!step.undo) return undefined;
  const restores =
    typeof step.undo.state === "object" &&
    step.undo.state !== null &&
    (step.undo.state as { restore?: unknown }).restore === RESTORE_EXPECTED.restore;
  return {
    stepId: step.id,
    provider: step.provider,
    action: step.undo.action,
    target: step.target,
    // Restoring a state that did not exist means removing what the step set: recorded as null.
    state: restores ? recordedState(before) : step.undo.state,
  };
}

function driftMessage(step: Step, live: LiveState): string {
  if (live.exists && !live.ours && !step.adopt) {
    return `${step.target} exists and is not ours; the plan does not adopt it, so it was left alone`;
  }
  if (step.expected === null || step.expected === undefined) {
    return `${step.target} appeared since the plan was made; nobody approved changing it`;
  }
  if (!live.exists) return `${step.target} was removed since the plan was made`;
  return `${step.target} changed since the plan was made: it is neither what the plan read nor what it wants`;
}

function errorOf(error: unknown): { reason: string; message: string } {
  if (error instanceof ProviderError) return { reason: error.reason, message: error.message };
  if (error instanceof Error) return { reason: error.name, message: error.message };
  return { reason: "error", message: String(error) };
}
