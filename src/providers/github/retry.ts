// A small bounded retry for @octokit/rest without its retry/throttling plugins: 429 and secondary-rate-limit
// 403s wait what GitHub says (Retry-After, else x-ratelimit-reset), 5xx and lost connections (Octokit reports
// those as status 500 with no response) back off exponentially. Anything else is the caller's to handle.
import { httpStatus } from "../../app/authz/http-status.ts";

export interface RetryOptions {
  /** Tries per request, the first included. Default 5. */
  attempts?: number;
  /** Injectable so tests never wait for real. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms, for x-ratelimit-reset. Default Date.now. */
  now?: () => number;
  /** The longest single wait; a longer Retry-After fails rather than holding an apply for an hour. Default 60 s. */
  maxWaitMs?: number;
}

export { httpStatus };

/** What we read from an Octokit RequestError (duck-typed: the error class is not exported by @octokit/rest). */
interface HttpFailure {
  status: number;
  response?: { headers?: Record<string, string | number | undefined> };
}

export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const wait = retryDelay(error, attempt, options.now ?? Date.now);
      if (wait === undefined || attempt >= attempts || wait > (options.maxWaitMs ?? 60_000)) throw error;
      await sleep(wait);
    }
  }
}

/** How long to wait before trying again, or undefined when retrying cannot help. */
export function retryDelay(error: unknown, attempt: number, now: () => number): number | undefined {
  const status = httpStatus(error);
  if (status === undefined) return undefined;
  const headers = (error as HttpFailure).response?.headers ?? {};
  const header = (name: string) => {
    const value = headers[name];
    return value === undefined ? undefined : Number(value);
  };
  const backoff = Math.min(500 * 2 ** (attempt - 1), 8_000);
  if (status === 429 || (status === 403 && isRateLimited(headers))) {
    const retryAfter = header("retry-after");
    if (retryAfter !== undefined && Number.isFinite(retryAfter)) return Math.max(0, retryAfter * 1000);
    const reset = header("x-ratelimit-reset");
    if (reset !== undefined && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now());
    // A secondary limit without headers: GitHub asks for at least a minute between retries.
    return 60_000;
  }
  if (status >= 500) return backoff;
  return undefined;
}

/** A 403 that is a rate limit (primary: remaining 0; secondary: Retry-After), not a missing permission. */
function isRateLimited(headers: Record<string, string | number | undefined>): boolean {
  return headers["retry-after"] !== undefined || String(headers["x-ratelimit-remaining"]) === "0";
}
