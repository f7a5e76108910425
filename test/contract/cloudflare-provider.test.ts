// The shared provider contract against the Cloudflare twin, through the official SDK, plus what only
// Cloudflare has: A beside CNAME (81053), paging past the first page, and Retry-After honoured.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Step } from "../../src/plan/types.ts";
import { CloudflareProvider, sslLoopWarning } from "../../src/providers/cloudflare/index.ts";
import { judge, recordedState } from "../../src/providers/judge.ts";
import { ProviderError } from "../../src/providers/types.ts";
import { applyPlan, type UndoRecord } from "../../src/runner/apply.ts";
import type { TokenScope } from "../../src/sandbox/cloudflare/state.ts";
import type { HandlerContext, HandlerTable } from "../../src/sandbox/cloudflare/twin.ts";
import {
  addRecord,
  addToken,
  addZone,
  hexId,
  recordsOf,
  setZoneSsl,
  zoneSsl,
} from "../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../support/cloudflare-twin.ts";
import {
  type ProviderFixture,
  planOf,
  providerContract,
  rollbackStep,
  type SetupOptions,
} from "./providers.contract.ts";

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
    undoStep: rollbackStep,
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

// ---- the Flexible + HTTPS-redirect loop -----------------------------------------------------------------

test("ssl loop: proxied, Flexible and an origin redirecting to HTTPS warns, naming the loop and the fix", () => {
  const warning = sslLoopWarning({
    proxied: true,
    sslMode: "flexible",
    httpsAtOrigin: true,
    host: "app.example.com",
    zone: "example.com",
  });
  assert.ok(warning);
  assert.match(warning, /app\.example\.com/);
  assert.match(warning, /ERR_TOO_MANY_REDIRECTS/);
  assert.match(warning, /Flexible/);
  assert.match(warning, /Full \(strict\)/, "names the fix");
  assert.ok(sslLoopWarning({ proxied: true, sslMode: "flexible", httpsAtOrigin: true }), "names optional");
});

test("ssl loop: Off loops too (Cloudflare sends HTTPS to HTTP, the origin sends it back)", () => {
  const warning = sslLoopWarning({ proxied: true, sslMode: "off", httpsAtOrigin: true });
  assert.ok(warning);
  assert.match(warning, /Full \(strict\)/);
});

test("ssl loop: Full, Full (strict), an unproxied record or an origin without HTTPS does not warn", () => {
  for (const sslMode of ["full", "strict"]) {
    assert.equal(sslLoopWarning({ proxied: true, sslMode, httpsAtOrigin: true }), undefined, sslMode);
  }
  for (const sslMode of ["off", "flexible", "full", "strict"]) {
    assert.equal(sslLoopWarning({ proxied: false, sslMode, httpsAtOrigin: true }), undefined, sslMode);
    assert.equal(sslLoopWarning({ proxied: true, sslMode, httpsAtOrigin: false }), undefined, sslMode);
  }
});

const SSL_READ = "zone-settings-get-ssl-setting";

async function sslSetup(t: Parameters<typeof startCloudflareTwin>[0], scopes: TokenScope[]) {
  const { twin } = await startCloudflareTwin(t);
  const zone = addZone(twin, { name: ZONE });
  const token = addToken(twin, { scopes });
  const provider = new CloudflareProvider({ apiToken: token.value, baseURL: twin.baseURL, timeout: 5_000 });
  const sslReads = () => twin.exchanges.filter((e) => e.operationId === SSL_READ).length;
  return { twin, zone, token, provider, sslReads };
}

const READER: TokenScope[] = ["zone:read", "dns:edit", "zone_settings:read"];

test("cloudflare warnings: a proxied record in a Flexible zone with HTTPS at the origin warns, changing nothing", async (t) => {
  const { twin, zone, provider, sslReads } = await sslSetup(t, READER);
  setZoneSsl(twin, zone.id, "flexible");
  const warnings = await provider.warnings(dnsStep(30), { httpsAtOrigin: true });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /app30\.example\.com.*Flexible.*Full \(strict\)/s);
  assert.equal(sslReads(), 1, "the zone's mode was read from Cloudflare");
  assert.equal(zoneSsl(twin, zone.id), "flexible", "we warn; the zone setting is left alone");
  assert.deepEqual(
    twin.exchanges.filter((e) => e.method !== "GET"),
    [],
    "warnings never write",
  );
});

test("cloudflare warnings: Full (the default) and Full (strict) zones give none", async (t) => {
  const { twin, zone, provider, sslReads } = await sslSetup(t, READER);
  assert.deepEqual(await provider.warnings(dnsStep(31), { httpsAtOrigin: true }), []);
  setZoneSsl(twin, zone.id, "strict");
  assert.deepEqual(await provider.warnings(dnsStep(31), { httpsAtOrigin: true }), []);
  assert.equal(sslReads(), 2, "both answers came from the zone setting, not a guess");
});

test("cloudflare warnings: an unproxied record, or an origin without HTTPS, is not checked at all", async (t) => {
  const { twin, zone, provider, sslReads } = await sslSetup(t, READER);
  setZoneSsl(twin, zone.id, "flexible");
  assert.deepEqual(await provider.warnings(dnsStep(32, { proxied: false }), { httpsAtOrigin: true }), []);
  assert.deepEqual(await provider.warnings(dnsStep(32), { httpsAtOrigin: false }), []);
  assert.equal(sslReads(), 0);
});

test("cloudflare warnings: a token without Zone Settings Read yields a could-not-check warning, not a failure", async (t) => {
  const { twin, zone, token, provider, sslReads } = await sslSetup(t, ["zone:read", "dns:edit"]);
  setZoneSsl(twin, zone.id, "flexible");
  const warnings = await provider.warnings(dnsStep(33), { httpsAtOrigin: true });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /could not check/);
  assert.match(warnings[0] ?? "", /Zone Settings/, "says which permission to add");
  assert.ok(!warnings[0]?.includes(token.value), "the token never appears");
  assert.equal(sslReads(), 1, "it did ask, and was refused");
  assert.equal(twin.exchanges.find((e) => e.operationId === SSL_READ)?.status, 403);
});

test("cloudflare warnings: a zone the token cannot see yields a could-not-check warning, not a failure", async (t) => {
  const { twin } = await startCloudflareTwin(t);
  const other = addZone(twin, { name: "other.org" });
  addZone(twin, { name: ZONE });
  const token = addToken(twin, { scopes: READER, zoneIds: [other.id] });
  const provider = new CloudflareProvider({ apiToken: token.value, baseURL: twin.baseURL });
  const warnings = await provider.warnings(dnsStep(34), { httpsAtOrigin: true });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /could not check.*zone example\.com/s);
});

// ---- taking a record back (a rollback's dns-record.delete) ----------------------------------------------

const stateOf = recordedState;
const DELETE_OP = "dns-records-for-a-zone-delete-dns-record";

test("cloudflare undo: a delete whose answer was lost after Cloudflare removed the record is done, not an error", async (t) => {
  const { twin } = await startCloudflareTwin(t, {
    faults: { seed: 3, lostResponse: 1, maxFaults: 1, operations: [DELETE_OP] },
  });
  const zone = addZone(twin, { name: ZONE });
  const token = addToken(twin, { scopes: ["zone:read", "dns:read", "dns:edit"] });
  const provider = new CloudflareProvider({ apiToken: token.value, baseURL: twin.baseURL, timeout: 5_000 });
  const forward = await applyPlan({
    plan: planOf([{ ...dnsStep(40), expected: null }]),
    providers: [provider],
  });
  const undo = rollbackStep(forward.undo[0] as UndoRecord);
  assert.equal(undo.id, "cloudflare.dns-record.delete:app40.example.com A");
  const back = await applyPlan({
    plan: planOf([{ ...undo, expected: stateOf(await provider.read(undo)) }]),
    providers: [provider],
  });
  assert.ok(back.ok, JSON.stringify(back.outcomes));
  assert.deepEqual(
    twin.faultLog().map((f) => [f.method, f.fault]),
    [["DELETE", "lost-response"]],
  );
  assert.deepEqual(recordsOf(twin, zone.id), [], "the record is gone");
});

test("cloudflare undo: of several records on the name, only ours is removed; a foreign one beside it stays", async (t) => {
  const { fixture, twin, zone } = await cloudflareSetup(t, {});
  const step = { ...dnsStep(41), expected: null };
  await fixture.provider.apply(step);
  // Round robin: someone adds an address of their own beside ours.
  addRecord(twin, zone.id, { type: "A", name: "app41", content: "198.51.100.9", comment: "hand-made" });
  const undo = rollbackStep({
    stepId: step.id,
    provider: "cloudflare",
    action: "dns-record.delete",
    target: step.target,
    state: { zone: ZONE, name: "app41.example.com", type: "A" },
  });
  const live = await fixture.provider.read(undo);
  assert.ok(live.exists && live.ours, "ours is the one the undo is about");
  await assert.rejects(
    fixture.provider.apply(undo),
    (e) => e instanceof ProviderError && e.reason === "postcondition",
  );
  assert.deepEqual(
    recordsOf(twin, zone.id).map((r) => r.content),
    ["198.51.100.9"],
    "ours removed; the hand-made record is left alone (and reported, not deleted)",
  );
});

test('cloudflare undo: a rollback step whose target is not "<host> <type>" is refused before any request', async (t) => {
  const { fixture, twin } = await cloudflareSetup(t, {});
  const undo = {
    ...rollbackStep({
      stepId: "x",
      provider: "cloudflare",
      action: "dns-record.delete",
      target: "app42.example.com",
      state: null,
    }),
  };
  await assert.rejects(
    fixture.provider.read(undo),
    (e) => e instanceof ProviderError && e.reason === "bad-step",
  );
  assert.equal(twin.exchanges.length, 0);
});
