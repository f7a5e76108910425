// Progress updates, coalesced: a fast apply finishes steps faster than anyone reads a comment, and every
// update is an edit of the checklist (GitHub's secondary limits count content writes). At most one send per
// interval, never two at once, and the last state pushed is always the last state sent.

export interface CoalesceTimer {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimer: CoalesceTimer = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Coalesced<T> {
  /** Records the latest state; it is sent now or at the end of the current interval. */
  push(value: T): void;
  /** Sends the pending state now (after any send under way) and resolves once nothing is pending. */
  flush(): Promise<void>;
}

export function coalesce<T>(
  send: (value: T) => Promise<unknown>,
  options: { intervalMs: number; timer?: CoalesceTimer; onError?: (error: unknown) => void },
): Coalesced<T> {
  const timer = options.timer ?? systemTimer;
  let pending: { value: T } | undefined;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;
  let scheduled: unknown;
  let lastError: unknown;

  const sendPending = (): Promise<void> => {
    if (scheduled !== undefined) {
      timer.clearTimeout(scheduled);
      scheduled = undefined;
    }
    if (!pending) return inFlight ?? Promise.resolve();
    const { value } = pending;
    pending = undefined;
    lastSentAt = timer.now();
    const run = (async () => {
      try {
        await send(value);
        lastError = undefined;
      } catch (error) {
        lastError = error;
        options.onError?.(error);
      } finally {
        inFlight = undefined;
        // What arrived while this was in flight goes at the next slot.
        if (pending) schedule();
      }
    })();
    inFlight = run;
    return run;
  };

  const schedule = () => {
    if (scheduled !== undefined || inFlight) return;
    const wait = lastSentAt + options.intervalMs - timer.now();
    if (wait <= 0) {
      void sendPending();
      return;
    }
    scheduled = timer.setTimeout(() => {
      scheduled = undefined;
      void sendPending();
    }, wait);
  };

  return {
    push(value) {
      pending = { value };
      schedule();
    },
    async flush() {
      while (inFlight || pending) {
        if (inFlight) await inFlight;
        else await sendPending();
      }
      if (lastError !== undefined) throw lastError;
    },
  };
}
