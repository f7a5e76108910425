// Seeded faults through the official SDK: the same seed replays the same faults; a change committed behind a
// lost response is found by re-listing, so nothing is created twice; the SDK's own 429 retry honours Retry-After.
import assert from "node:assert/strict";
import { test } from "node:test";
import Cloudflare from "cloudflare";
import type { FaultOptions } from "../../../src/sandbox/cloudflare/faults.ts";
import { mulberry32 } from "../../../src/sandbox/cloudflare/faults.ts";
import { addToken, addZone, recordsOf } from "../../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../../support/cloudflare-twin.ts";

const CREATE = "dns-records-for-a-zone-create-dns-record";

async function faultyTwin(t: Parameters<typeof startCloudflareTwin>[0], faults: FaultOptions) {
  const harness = await startCloudflareTwin(t, { faults });
  const zone = addZone(harness.twin, { name: "example.com" });
  const token = addToken(harness.twin, { scopes: ["zone:read", "dns:edit"] });
  return { ...harness, zone, token };
}

/** What a careful client does: look before creating, and treat every failure as "maybe it happened". */
async function ensureRecord(cf: Cloudflare, zoneId: string, name: string, content: string): Promise<number> {
  for (let attempt = 1; attempt <= 60; attempt++) {
    try {
      const found = await cf.dns.records.list({ zone_id: zoneId, type: "A", name: { exact: name } });
      if (found.result.some((r) => r.content === content)) return attempt;
      await cf.dns.records.create({
        zone_id: zoneId,
        type: "A",
        name,
        content,
        ttl: 1,
        tags: ["owner:devops-agent"],
      });
      return attempt;
    } catch (error) {
      if (!(error instanceof Cloudflare.APIError)) throw error;
    }
  }
  throw new Error(`gave up on ${name}`);
}

test("mulberry32 is deterministic per seed", () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const c = mulberry32(8);
  const xs = [a(), a(), a()];
  assert.deepEqual(xs, [b(), b(), b()]);
  assert.notDeepEqual(xs, [c(), c(), c()]);
});

test("the same seed injects the same faults in the same places; another seed does not", async (t) => {
  const run = async (seed: number) => {
    const { twin, client, token } = await faultyTwin(t, {
      seed,
      rateLimit: 0.2,
      serverError: 0.2,
      timeout: 0.1,
      holdMs: 300,
    });
    const cf = client(token.value, { maxRetries: 0, timeout: 100 });
    for (let i = 0; i < 30; i++) await cf.zones.list().catch(() => undefined);
    return twin.exchanges.map((e) => e.fault ?? "-");
  };
  const first = await run(42);
  assert.deepEqual(await run(42), first);
  assert.notDeepEqual(await run(43), first);
  assert.ok(
    first.includes("rate-limit") && first.includes("server-error") && first.includes("timeout"),
    first.join(),
  );
});

test("lost response: the create is committed, the SDK's retry meets 81058, a re-list finds it — no duplicate", async (t) => {
  const { twin, client, token, zone } = await faultyTwin(t, {
    seed: 1,
    lostResponse: 1,
    operations: [CREATE],
  });
  const cf = client(token.value, { maxRetries: 1 });
  await assert.rejects(
    cf.dns.records.create({ zone_id: zone.id, type: "A", name: "app", content: "192.0.2.10", ttl: 1 }),
    Cloudflare.APIConnectionError,
  );
  const creates = twin.exchanges.filter((e) => e.operationId === CREATE);
  assert.deepEqual(
    creates.map((e) => [e.status, e.fault]),
    [
      [200, "lost-response"],
      [400, "lost-response"],
    ],
    "the first POST committed; the SDK's retry was refused as identical (81058); both answers were lost",
  );
  const listed = await cf.dns.records.list({ zone_id: zone.id, name: { exact: "app.example.com" } });
  assert.equal(listed.result.length, 1);
  assert.equal(recordsOf(twin, zone.id).length, 1);
});

test("the SDK retries an injected 429 itself, after the Retry-After the twin sent", async (t) => {
  const { twin, client, token, zone } = await faultyTwin(t, {
    seed: 5,
    rateLimit: 1,
    maxFaults: 1,
    retryAfterSeconds: 1,
  });
  const started = Date.now();
  const created = await client(token.value, { maxRetries: 2 }).dns.records.create({
    zone_id: zone.id,
    type: "A",
    name: "app",
    content: "192.0.2.10",
    ttl: 1,
  });
  assert.ok(Date.now() - started >= 900, "waited for Retry-After");
  assert.equal(created.name, "app.example.com");
  assert.deepEqual(
    twin.exchanges.map((e) => [e.status, e.fault ?? null]),
    [
      [429, "rate-limit"],
      [200, null],
    ],
  );
});

test("20% of each fault (429, 5xx, timeout, lost response): careful clients end with no duplicates", async (t) => {
  const { twin, client, token, zone } = await faultyTwin(t, {
    seed: 2026,
    rateLimit: 0.2,
    serverError: 0.2,
    timeout: 0.2,
    lostResponse: 0.2,
    holdMs: 200,
    retryAfterSeconds: 0,
  });
  const cf = client(token.value, { maxRetries: 0, timeout: 80 });
  for (let i = 0; i < 8; i++) await ensureRecord(cf, zone.id, `app${i}.example.com`, `192.0.2.${i + 1}`);
  const records = recordsOf(twin, zone.id);
  assert.equal(records.length, 8);
  assert.equal(new Set(records.map((r) => r.name)).size, 8);
  const kinds = new Set(twin.faultLog().map((f) => f.fault));
  assert.deepEqual([...kinds].sort(), ["lost-response", "rate-limit", "server-error", "timeout"]);
});
