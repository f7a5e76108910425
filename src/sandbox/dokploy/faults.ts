// Seeded faults for the Dokploy twin: one PRNG draw per request decides whether it misbehaves, so a failing run
// replays exactly from its seed (DESIGN "Faults that hurt"). Off unless a schedule is set or a fault is queued.

export type FaultKind = "rate-limit" | "server-error" | "timeout" | "lost-response";

export interface FaultOptions {
  seed: number;
  /** Per-request probabilities, each 0..1; their sum must not exceed 1. */
  rateLimit?: number;
  serverError?: number;
  timeout?: number;
  lostResponse?: number;
  /** Only requests to these procedures (e.g. "application.create") draw faults; all when absent. */
  procedures?: string[];
}

/** mulberry32: a tiny, well-known 32-bit PRNG; enough for a reproducible fault schedule. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
    const sum =
      (options.rateLimit ?? 0) +
      (options.serverError ?? 0) +
      (options.timeout ?? 0) +
      (options.lostResponse ?? 0);
    if (sum > 1) throw new Error(`fault probabilities sum to ${sum}, more than 1`);
    this.options = options;
    this.#next = mulberry32(options.seed);
  }

  /** Draws exactly twice per eligible request, whatever the outcome, so a schedule depends only on request order. */
  draw(procedure: string): DrawnFault | null {
    if (this.options.procedures && !this.options.procedures.includes(procedure)) return null;
    let r = this.#next();
    const pick = this.#next();
    const table: [FaultKind, number | undefined][] = [
      ["rate-limit", this.options.rateLimit],
      ["server-error", this.options.serverError],
      ["timeout", this.options.timeout],
      ["lost-response", this.options.lostResponse],
    ];
    for (const [kind, p] of table) {
      r -= p ?? 0;
      if (r < 0)
        return kind === "server-error" ? { kind, status: [500, 502, 503][Math.floor(pick * 3)] } : { kind };
    }
    return null;
  }
}
