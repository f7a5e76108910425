// One interface every provider implements (issue 4, "Providers"): read the live state of a step's resource,
// apply the step, and let the kernel's `judge` decide between the two. Providers know their API; they do not
// decide whether a change is allowed — that is `judge` (pure) plus the plan's explicit `adopt` flag.
import type { ProviderName, Step } from "../plan/types.ts";

/**
 * What a provider saw. `state` holds allow-listed fields only, in the shape of the step's `desired`, so the
 * kernel can compare it with `expected`/`desired` without knowing the provider (and never sees secrets).
 */
export type LiveState = { exists: false } | { exists: true; ours: boolean; state: unknown };

export interface Provider {
  readonly name: ProviderName;
  /** Whether this provider implements the step's action. */
  handles(step: Step): boolean;
  /** Read-only: the live state of the step's resource. */
  read(step: Step): Promise<LiveState>;
  /**
   * Makes the live state the step's `desired` state, then reads it back from the provider and throws
   * `PostconditionError` unless it matches. Safe to call again after any failure (find before create).
   * Refuses (ProviderError `not-ours`) to change a resource that is not ours unless `step.adopt`.
   */
  apply(step: Step): Promise<LiveState>;
}

export class ProviderError extends Error {
  readonly provider: ProviderName;
  /** Machine-readable reason, e.g. `not-ours`, `zone-not-found`, `conflict`, or the provider's error code. */
  readonly reason: string;

  constructor(options: { provider: ProviderName; reason: string; message: string; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = "ProviderError";
    this.provider = options.provider;
    this.reason = options.reason;
  }
}

/** The provider accepted the change but reading it back does not show the desired state. */
export class PostconditionError extends ProviderError {
  readonly live: LiveState;

  constructor(options: { provider: ProviderName; message: string; live: LiveState }) {
    super({ provider: options.provider, reason: "postcondition", message: options.message });
    this.name = "PostconditionError";
    this.live = options.live;
  }
}
