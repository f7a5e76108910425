// The steps a rollback plan gives the Dokploy provider (issue 4, `/devops rollback`): the recorded undo of each
// applied step. Deletes desire null (absent) and name their resource only by the step's target, as build.ts
// wrote it; restores desire the state read before the step (or null: there was none), in the shape `read`
// returns for that resource. Parsed here, apart from HTTP, so the shapes are tested on their own.
import type { Step } from "../../plan/types.ts";
import { ProviderError } from "../types.ts";

export const DOKPLOY_UNDO_ACTIONS = ["project.delete", "application.delete", "domain.delete"] as const;
export type DokployUndoAction = (typeof DOKPLOY_UNDO_ACTIONS)[number];

/** How every secret value shows outside the provider (steps.ts `fingerprint`): a restore cannot write it back. */
const FINGERPRINT = /^sha256:[0-9a-f]{16}$/;

export function isFingerprint(value: string): boolean {
  return FINGERPRINT.test(value);
}

/** The name a delete step is about: its target (project, application name or host), desired null. */
export function deleteTarget(step: Step): string {
  const name = step.target.trim();
  if (step.desired !== null || name === "") {
    throw new ProviderError({
      provider: "dokploy",
      reason: "bad-step",
      message: `step ${step.id}: a ${step.action} step names its resource as the target and desires null (absent)`,
    });
  }
  return step.action === "domain.delete" ? name.toLowerCase().replace(/\.$/, "") : name;
}

/**
 * The application a configuring step is about. A restore to "nothing was there" desires null, so the name is
 * the step's target (build.ts targets these steps at the application).
 */
export function applicationOfStep(step: Step): string {
  const d = step.desired;
  if (
    typeof d === "object" &&
    d !== null &&
    typeof (d as { application?: unknown }).application === "string"
  ) {
    return (d as { application: string }).application;
  }
  return step.target.trim();
}

export function cannotRestore(what: string, why: string): ProviderError {
  return new ProviderError({ provider: "dokploy", reason: "cannot-restore", message: `${what}: ${why}` });
}
