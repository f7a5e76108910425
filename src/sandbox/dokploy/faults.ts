// Seeded faults for the Dokploy twin: one PRNG draw per request decides whether it misbehaves, so a failing run
// replays exactly from its seed (DESIGN "Faults that hurt"). Off unless a schedule is set or a fault is queued.

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
  /** Only requests to these procedures (e.g. "application.create") draw faults; all when absent. */
  procedures?: string[];
}

export interface DrawnFault {
  kind: FaultKind;
  /** For server-error: which 5xx (500, 502 or 503, drawn from the same PRNG). */
  status?: number;
}

export class FaultSchedule {
  readonly options: FaultOptions;
  readonly #next: () => number;

  constructor(options: FaultOptions) {
    assertProbabilities(options);
    this.options = options;
    this.#next = mulberry32(options.seed);
  }

  /** Draws exactly twice per eligible request, whatever the outcome, so a schedule depends only on request order. */
  draw(procedure: string): DrawnFault | null {
    if (this.options.procedures && !this.options.procedures.includes(procedure)) return null;
    const kind = pickFault(this.#next(), this.options);
    const pick = this.#next();
    if (!kind) return null;
    return kind === "server-error" ? { kind, status: [500, 502, 503][Math.floor(pick * 3)] } : { kind };
  }
}
