// Seeded faults: one PRNG draw per request decides whether the twin misbehaves, so a failing run replays
// exactly from its seed (DESIGN "Faults that hurt").

import {
  assertProbabilities,
  type FaultKind,
  type FaultProbabilities,
  mulberry32,
  pickFault,
} from "../faults.ts";

export { type FaultKind, mulberry32 };

export interface FaultOptions extends FaultProbabilities {
  seed: number;
  /** How long a `timeout` fault holds the request (default 2000 ms). */
  holdMs?: number;
  /** Retry-After seconds on an injected 429 (default 1). */
  retryAfterSeconds?: number;
  /** Only these operation ids are faulted (every request still draws, so the schedule stays the same). */
  operations?: string[];
  /** Stop injecting after this many faults. */
  maxFaults?: number;
}

export class FaultSchedule {
  readonly options: FaultOptions;
  readonly #next: () => number;

  constructor(options: FaultOptions) {
    assertProbabilities(options);
    this.options = options;
    this.#next = mulberry32(options.seed);
  }

  #injected = 0;

  /** Draws exactly once per request, whatever the outcome, so schedules depend only on request order. */
  draw(operationId: string): FaultKind | null {
    const kind = pickFault(this.#next(), this.options);
    if (!kind) return null;
    if (this.options.operations && !this.options.operations.includes(operationId)) return null;
    if (this.options.maxFaults !== undefined && this.#injected >= this.options.maxFaults) return null;
    this.#injected++;
    return kind;
  }
}
