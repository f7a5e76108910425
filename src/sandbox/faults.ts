// What every twin's seeded faults share: the kinds, a small reproducible PRNG, and turning one draw into a
// fault by the configured probabilities (DESIGN "Faults that hurt": seeded, so a failing run replays).

export type FaultKind = "rate-limit" | "server-error" | "timeout" | "lost-response";

export interface FaultProbabilities {
  /** Per-request probabilities, each 0..1; their sum must not exceed 1. */
  rateLimit?: number;
  serverError?: number;
  /** The request is held past the client's timeout, then the socket is destroyed; nothing is applied. */
  timeout?: number;
  /** The change is applied, then the socket is destroyed before any response byte is sent. */
  lostResponse?: number;
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

export function assertProbabilities(p: FaultProbabilities): void {
  const sum = (p.rateLimit ?? 0) + (p.serverError ?? 0) + (p.timeout ?? 0) + (p.lostResponse ?? 0);
  if (sum > 1) throw new Error(`fault probabilities sum to ${sum}, more than 1`);
}

/** The fault a draw in [0, 1) falls on, the kinds laid end to end in a fixed order; null for none. */
export function pickFault(draw: number, p: FaultProbabilities): FaultKind | null {
  let r = draw;
  const table: [FaultKind, number | undefined][] = [
    ["rate-limit", p.rateLimit],
    ["server-error", p.serverError],
    ["timeout", p.timeout],
    ["lost-response", p.lostResponse],
  ];
  for (const [kind, probability] of table) {
    if (r < (probability ?? 0)) return kind;
    r -= probability ?? 0;
  }
  return null;
}
