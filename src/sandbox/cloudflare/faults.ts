// Seeded faults: one PRNG draw per request decides whether the twin misbehaves, so a failing run replays
// exactly from its seed (DESIGN "Faults that hurt").

export type FaultKind = "rate-limit" | "server-error" | "timeout" | "lost-response";

export interface FaultOptions {
  seed: number;
  /** Per-request probabilities, each 0..1; their sum must not exceed 1. */
  rateLimit?: number;
  serverError?: number;
  /** The response is held this long (past the client's timeout), then the socket is destroyed. */
  timeout?: number;
  /** The change is applied, then the socket is destroyed before any response byte is sent. */
  lostResponse?: number;
  /** How long a `timeout` fault holds the request (default 2000 ms). */
  holdMs?: number;
  /** Retry-After seconds on an injected 429 (default 1). */
  retryAfterSeconds?: number;
  /** Only these operation ids are faulted (every request still draws, so the schedule stays the same). */
  operations?: string[];
  /** Stop injecting after this many faults. */
  maxFaults?: number;
}

/** mulberry32: a tiny, well-known 32-bit PRNG; enough for reproducible fault schedules. */
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

  #injected = 0;

  /** Draws exactly once per request, whatever the outcome, so schedules depend only on request order. */
  draw(operationId: string): FaultKind | null {
    const kind = this.#pick(this.#next());
    if (!kind) return null;
    if (this.options.operations && !this.options.operations.includes(operationId)) return null;
    if (this.options.maxFaults !== undefined && this.#injected >= this.options.maxFaults) return null;
    this.#injected++;
    return kind;
  }

  #pick(draw: number): FaultKind | null {
    let r = draw;
    const table: [FaultKind, number | undefined][] = [
      ["rate-limit", this.options.rateLimit],
      ["server-error", this.options.serverError],
      ["timeout", this.options.timeout],
      ["lost-response", this.options.lostResponse],
    ];
    for (const [kind, p] of table) {
      if (r < (p ?? 0)) return kind;
      r -= p ?? 0;
    }
    return null;
  }
}
