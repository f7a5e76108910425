// The shared provider contract against the Cloudflare twin, through the official SDK, plus what only
// Cloudflare has: A beside CNAME (81053), paging past the first page, and Retry-After honoured.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Step } from "../../src/plan/types.ts";
import { CloudflareProvider } from "../../src/providers/cloudflare/index.ts";
import { judge } from "../../src/providers/judge.ts";
import type { HandlerContext, HandlerTable } from "../../src/sandbox/cloudflare/twin.ts";
import { addRecord, addToken, addZone, hexId, recordsOf } from "../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../support/cloudflare-twin.ts";
import { type ProviderFixture, providerContract, type SetupOptions } from "./providers.contract.ts";

const ZONE = "example.com";
const COMMENT = "managed by devops-agent: octo/hello production";

function dnsStep(n: number, overrides: Partial<Record<string, unknown>> = {}): Step {
  const name = `app${n}.${ZONE}`;
  return {
    id: `cloudflare.dns-record.ensure:${name} A`,
    provider: "cloudflare",
    action: "dns-record.ensure",
    target: `${name} A`,
    risk: "create",
    desired: {
      zone: ZONE,
      name,
      type: "A",
      content: "192.0.2.10",
      proxied: true,
      ttl: 1,
      comment: COMMENT,
      ...overrides,
    },
    undo: { action: "dns-record.delete", state: { zone: ZONE, name, type: "A" } },
  };
}

/** Answers a create like Cloudflare would, and keeps nothing. */
const lyingCreate: HandlerTable = {
  "dns-records-for-a-zone-create-dns-record": (ctx: HandlerContext) => {
    const zone = ctx.twin.world.zones[ctx.params.zone_id ?? ""];
    const now = ctx.twin.now();
    const b = ctx.body;
    return {
      status: 200,
      body: {
        success: true,
        errors: [],
        messages: [],
        result: {
          id: hexId(),
          zone_id: zone?.id,
          zone_name: zone?.name,
          name: b.name,
          type: b.type,
          content: b.content,
          proxiable: true,
          proxied: b.proxied,
          ttl: b.ttl,
          locked: false,
          meta: {
            auto_added: false,
            managed_by_apps: false,
            managed_by_argo_tunnel: false,
            source: "primary",
          },
          comment: b.comment,
          tags: [],
          created_on: now,
          modified_on: now,
        },
      },
    };
  },
};

async function cloudflareSetup(t: Parameters<typeof startCloudflareTwin>[0], options: SetupOptions) {
  const { twin } = await startCloudflareTwin(t, {
    handlers: options.lying ? lyingCreate : undefined,
    faults: options.faults
      ? {
          seed: options.faults.seed,
          rateLimit: 0.2,
          serverError: 0.2,
          lostResponse: 0.2,
          retryAfterSeconds: 0,
        }
      : undefined,
  });
  const zone = addZone(twin, { name: ZONE });
  const token = addToken(twin, { scopes: ["zone:read", "dns:read", "dns:edit"] });
  const provider = new CloudflareProvider({ apiToken: token.value, baseURL: twin.baseURL, timeout: 5_000 });
  const nameOf = (step: Step) => (step.desired as { name: string }).name;
  const fixture: ProviderFixture = {
    provider,
    step: (n) => dnsStep(n),
    seedForeign: (step) => {
      addRecord(twin, zone.id, {
        type: "A",
        name: nameOf(step),
        content: "198.51.100.7",
        comment: "hand-made",
      });
    },
    count: (step) => recordsOf(twin, zone.id).filter((r) => r.name === nameOf(step)).length,
    writes: () => twin.exchanges.filter((e) => e.method !== "GET").length,
    faults: () => twin.faultLog().length,
  };
  return { fixture, twin, zone, token };
}

providerContract("cloudflare", async (t, options) => (await cloudflareSetup(t, options)).fixture);

test("cloudflare: an A record wanted where a CNAME of ours stands is replaced in place, not duplicated (81053)", async (t) => {
  const { fixture, twin, zone } = await cloudflareSetup(t, {});
  const step = { ...dnsStep(20), expected: null };
  addRecord(twin, zone.id, {
    type: "CNAME",
    name: "app20.example.com",
    content: "old.example.net",
    comment: COMMENT,
  });
  const live = await fixture.provider.read(step);
  assert.ok(live.exists && live.ours);
  assert.equal((live.state as { type: string }).type, "CNAME", "the conflicting CNAME is what read reports");
  assert.equal(
    judge(step, live),
    "apply",
    "ours, though absent when planned: an earlier apply of ours made it",
  );
  const after = await fixture.provider.apply({ ...step, expected: live.state });
  assert.ok(after.exists && (after.state as { type: string }).type === "A");
  assert.deepEqual(
    recordsOf(twin, zone.id).map((r) => [r.name, r.type]),
    [["app20.example.com", "A"]],
  );
});

test("cloudflare: the record is found past the first page of results", async (t) => {
  const { fixture, twin, zone } = await cloudflareSetup(t, {});
  // 150 A records on the name (round robin), ours last: the list's default page holds 100.
  for (let i = 0; i < 150; i++)
    addRecord(twin, zone.id, { type: "A", name: "app21", content: `203.0.113.${i}` });
  addRecord(twin, zone.id, {
    type: "A",
    name: "app21",
    content: "192.0.2.10",
    proxied: true,
    comment: COMMENT,
  });
  const step = { ...dnsStep(21), expected: null };
  assert.equal(judge(step, await fixture.provider.read(step)), "skip");
  const lists = twin.exchanges.filter((e) => e.operationId === "dns-records-for-a-zone-list-dns-records");
  assert.ok(lists.length >= 2, `read past the first page (${lists.length} list requests)`);
});

test("cloudflare: a 429 is retried after its Retry-After", async (t) => {
  const { twin } = await startCloudflareTwin(t, {
    faults: { seed: 5, rateLimit: 1, maxFaults: 1, retryAfterSeconds: 1 },
  });
  addZone(twin, { name: ZONE });
  const token = addToken(twin, { scopes: ["zone:read", "dns:read", "dns:edit"] });
  const provider = new CloudflareProvider({ apiToken: token.value, baseURL: twin.baseURL });
  const started = Date.now();
  const step = { ...dnsStep(22), expected: null };
  await provider.apply(step);
  assert.ok(Date.now() - started >= 900, "waited for Retry-After");
  assert.equal(twin.exchanges[0]?.status, 429);
});
