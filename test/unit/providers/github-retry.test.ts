import assert from "node:assert/strict";
import { test } from "node:test";
import { retryDelay, withRetry } from "../../../src/providers/github/retry.ts";

const failure = (status: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error(`HTTP ${status}`), { status, response: { headers } });
const now = () => 1_000_000;

test("github retry: 429 and a rate-limited 403 wait Retry-After, else until x-ratelimit-reset", () => {
  assert.equal(retryDelay(failure(429, { "retry-after": "3" }), 1, now), 3000);
  assert.equal(retryDelay(failure(403, { "retry-after": "2" }), 1, now), 2000);
  assert.equal(
    retryDelay(failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1010" }), 1, now),
    10_000,
  );
  assert.equal(retryDelay(failure(429), 1, now), 60_000, "a secondary limit without headers waits a minute");
});

test("github retry: a permission 403, a 404 and a 422 are not retried; 5xx and lost connections back off", () => {
  assert.equal(retryDelay(failure(403), 1, now), undefined);
  assert.equal(retryDelay(failure(404), 1, now), undefined);
  assert.equal(retryDelay(failure(422), 1, now), undefined);
  assert.equal(retryDelay(new Error("not http"), 1, now), undefined);
  assert.equal(retryDelay(failure(502), 1, now), 500);
  assert.equal(retryDelay(failure(500), 3, now), 2000);
  assert.equal(retryDelay(failure(500), 10, now), 8000, "capped");
});

test("github retry: bounded tries, waits slept through the injected sleep, a too-long wait fails at once", async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  let calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw failure(503);
      },
      { attempts: 3, sleep },
    ),
    { status: 503 },
  );
  assert.deepEqual([calls, waits], [3, [500, 1000]]);

  calls = 0;
  const result = await withRetry(
    async () => {
      calls++;
      if (calls === 1) throw failure(429, { "retry-after": "1" });
      return "ok";
    },
    { sleep },
  );
  assert.deepEqual([result, calls], ["ok", 2]);

  calls = 0;
  await assert.rejects(
    withRetry(
      async () => {
        calls++;
        throw failure(429, { "retry-after": "3600" });
      },
      { sleep, maxWaitMs: 60_000 },
    ),
    { status: 429 },
  );
  assert.equal(calls, 1);
});
