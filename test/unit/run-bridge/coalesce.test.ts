// Progress updates coalesced: at most one send per interval, never two at once, and always the last state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type CoalesceTimer, coalesce } from "../../../src/bridge/coalesce.ts";

class FakeTimer implements CoalesceTimer {
  #now = 0;
  #next = 1;
  #tasks = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#tasks.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#tasks.delete(handle as number);
  }
  /** Moves time on, running what falls due, and lets the sends it started settle. */
  async advance(ms: number): Promise<void> {
    this.#now += ms;
    for (const [id, task] of [...this.#tasks]) {
      if (task.at <= this.#now) {
        this.#tasks.delete(id);
        task.fn();
      }
    }
    await settle();
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function recorder() {
  const sent: number[] = [];
  let active = 0;
  let maxActive = 0;
  const send = async (value: number) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await settle();
    sent.push(value);
    active--;
  };
  return { sent, send, maxActive: () => maxActive };
}

test("a burst of updates sends the first at once and the last at the end of the interval, nothing between", async () => {
  const timer = new FakeTimer();
  const { sent, send } = recorder();
  const progress = coalesce(send, { intervalMs: 1000, timer });
  for (let i = 1; i <= 10; i++) progress.push(i);
  await settle();
  assert.deepEqual(sent, [1]);
  await timer.advance(999);
  assert.deepEqual(sent, [1], "nothing before the interval has passed");
  await timer.advance(1);
  assert.deepEqual(sent, [1, 10], "the last state, once");
  await timer.advance(5000);
  assert.deepEqual(sent, [1, 10], "nothing more without a new state");
});

test("an update after a quiet interval goes at once", async () => {
  const timer = new FakeTimer();
  const { sent, send } = recorder();
  const progress = coalesce(send, { intervalMs: 1000, timer });
  progress.push(1);
  await settle();
  await timer.advance(1500);
  progress.push(2);
  await settle();
  assert.deepEqual(sent, [1, 2]);
});

test("flush sends the pending last state now and never overlaps a send under way", async () => {
  const timer = new FakeTimer();
  const { sent, send, maxActive } = recorder();
  const progress = coalesce(send, { intervalMs: 60_000, timer });
  progress.push(1);
  progress.push(2);
  progress.push(3);
  await progress.flush();
  assert.deepEqual(sent, [1, 3]);
  assert.equal(maxActive(), 1, "one send at a time");
  await timer.advance(60_000);
  assert.deepEqual(sent, [1, 3], "the flushed state is not sent again");
});

test("flush rejects when the last send failed, and onError saw it", async () => {
  const timer = new FakeTimer();
  const errors: unknown[] = [];
  const progress = coalesce(
    async () => {
      throw new Error("the App is down");
    },
    { intervalMs: 1000, timer, onError: (error) => errors.push(error) },
  );
  progress.push(1);
  await assert.rejects(progress.flush(), /the App is down/);
  assert.equal(errors.length, 1);
});
