// The plan hash: sha256 over the plan's canonical JSON (RFC 8785, via `canonicalize`), so the same plan
// hashes the same on the App and on the runner whatever the key order.
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { PinnedPlan, Plan } from "./types.ts";

export function planHash(plan: Plan): string {
  const canonical = canonicalize(plan);
  if (canonical === undefined) throw new Error("a plan must be JSON");
  return createHash("sha256").update(canonical).digest("hex");
}

export function pin(plan: Plan): PinnedPlan {
  return { plan, hash: planHash(plan) };
}

/** A hash prefix as people type it after /approve: at least 7 hex characters. */
export function matchesHashPrefix(hash: string, prefix: string): boolean {
  return /^[0-9a-f]{7,64}$/i.test(prefix) && hash.startsWith(prefix.toLowerCase());
}
