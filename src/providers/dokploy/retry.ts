// How the Dokploy provider survives a flaky server: reads are tried again on 429/5xx/timeouts/lost connections
// with bounded backoff (Retry-After first); writes go in find-then-write rounds, so a write whose answer was lost
// after Dokploy committed is found by the next round instead of being made twice.
import { ProviderError } from "../types.ts";
import { DokployHttpError, transient } from "./client.ts";

const MAX_BACKOFF_MS = 30_000;

export interface RetryOptions {
  /** Tries per read, and rounds per write. */
  attempts: number;
  /** First backoff without a Retry-After; doubles per attempt, capped at 30 s. */
  backoffMs: number;
  sleep: (ms: number) => Promise<void>;
}

export class Retry {
  readonly attempts: number;
  readonly #backoffMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: RetryOptions) {
    this.attempts = Math.max(1, options.attempts);
    this.#backoffMs = options.backoffMs;
    this.#sleep = options.sleep;
  }

  async backoff(error: unknown, attempt: number): Promise<void> {
    const hinted = error instanceof DokployHttpError ? error.retryAfterMs : undefined;
    await this.#sleep(Math.min(hinted ?? this.#backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS));
  }

  /** A read, tried again on 429/5xx/timeouts/lost connections. */
  async read<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!transient(error) || attempt >= this.attempts) throw wrap(error);
        await this.backoff(error, attempt);
      }
    }
  }

  /**
   * A find-then-write round, repeated when it failed in a way that may have committed: the next round finds
   * what the lost one made instead of making it again.
   */
  async rounds(round: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await round();
      } catch (error) {
        const cause = error instanceof ProviderError ? error.cause : error;
        if (!transient(cause) || attempt >= this.attempts) throw wrap(error);
        await this.backoff(cause, attempt);
      }
    }
  }
}

/** Dokploy's answers as ProviderErrors; the original stays the cause so a retry loop can still classify it. */
export function wrap(error: unknown): unknown {
  if (error instanceof ProviderError) return error;
  if (error instanceof DokployHttpError) {
    return new ProviderError({
      provider: "dokploy",
      reason: error.code ? error.code.toLowerCase().replace(/_/g, "-") : `http-${error.status}`,
      message: error.message,
      cause: error,
    });
  }
  if (transient(error)) {
    return new ProviderError({
      provider: "dokploy",
      reason: "unreachable",
      message: `Dokploy did not answer (${error instanceof Error ? error.message : String(error)}); check the server URL and that it is up`,
      cause: error,
    });
  }
  return error;
}
