// The official `cloudflare` SDK against the twin: zones, record CRUD, paging, conflicts, scopes.
import assert from "node:assert/strict";
import { test } from "node:test";
import Cloudflare from "cloudflare";
import { addRecord, addToken, addZone, recordsOf } from "../../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../../support/cloudflare-twin.ts";

async function seeded(t: Parameters<typeof startCloudflareTwin>[0]) {
  const harness = await startCloudflareTwin(t);
  const zone = addZone(harness.twin, { name: "example.com" });
  const other = addZone(harness.twin, { name: "other.org" });
  const editor = addToken(harness.twin, { scopes: ["zone:read", "dns:edit"], zoneIds: [zone.id] });
  const reader = addToken(harness.twin, { scopes: ["zone:read", "dns:read"] });
  return { ...harness, zone, other, editor, reader, cf: harness.client(editor.value) };
}

test("zones: look up a zone id by name; a zone-restricted token sees only its zones", async (t) => {
  const { cf, zone, client, reader } = await seeded(t);
  const page = await cf.zones.list({ name: "example.com" });
  assert.deepEqual(
    page.result.map((z) => [z.id, z.name]),
    [[zone.id, "example.com"]],
  );
  assert.equal((await cf.zones.list({ name: "other.org" })).result.length, 0);
  const all: string[] = [];
  for await (const z of client(reader.value).zones.list()) all.push(z.name);
  assert.deepEqual(all, ["example.com", "other.org"]);
  const got = await cf.zones.get({ zone_id: zone.id });
  assert.equal(got.name, "example.com");
});

test("records: create, get, list with filters, update (PUT), edit (PATCH), delete", async (t) => {
  const { cf, zone, twin } = await seeded(t);
  const created = await cf.dns.records.create({
    zone_id: zone.id,
    type: "A",
    name: "app",
    content: "192.0.2.10",
    proxied: true,
    ttl: 1,
    comment: "managed by devops-agent",
    tags: ["owner:devops-agent"],
  });
  assert.equal(created.name, "app.example.com", "a relative name is returned as the FQDN");
  assert.equal(created.proxied, true);
  assert.equal(created.ttl, 1);
  assert.deepEqual(created.tags, ["owner:devops-agent"]);
  const got = await cf.dns.records.get(created.id, { zone_id: zone.id });
  assert.equal(got.content, "192.0.2.10");

  const byName = await cf.dns.records.list({
    zone_id: zone.id,
    name: { exact: "app.example.com" },
    type: "A",
  });
  assert.deepEqual(
    byName.result.map((r) => r.id),
    [created.id],
  );
  const byContent = await cf.dns.records.list({ zone_id: zone.id, content: { exact: "192.0.2.99" } });
  assert.equal(byContent.result.length, 0);

  const put = await cf.dns.records.update(created.id, {
    zone_id: zone.id,
    type: "A",
    name: "app.example.com",
    content: "192.0.2.11",
    ttl: 300,
  });
  assert.equal(put.content, "192.0.2.11");
  assert.equal(put.proxied, false, "PUT overwrites: an omitted proxied goes back to false");
  assert.equal(put.comment ?? null, null);

  const patched = await cf.dns.records.edit(created.id, {
    zone_id: zone.id,
    type: "A",
    name: "app.example.com",
    content: "192.0.2.12",
    proxied: true,
    ttl: 300,
    comment: "managed by devops-agent",
  });
  assert.equal(patched.content, "192.0.2.12");
  assert.equal(patched.comment, "managed by devops-agent");

  const deleted = await cf.dns.records.delete(created.id, { zone_id: zone.id });
  assert.equal(deleted?.id, created.id);
  assert.deepEqual(recordsOf(twin, zone.id), []);
  await assert.rejects(cf.dns.records.get(created.id, { zone_id: zone.id }), (error: unknown) => {
    assert.ok(error instanceof Cloudflare.NotFoundError);
    assert.match(error.message, /81044/);
    return true;
  });
});

test("paging: the SDK's auto-pagination walks every page and stops on the empty one", async (t) => {
  const { cf, zone, twin } = await seeded(t);
  for (let i = 0; i < 23; i++) addRecord(twin, zone.id, { type: "TXT", name: `t${i}`, content: `v=${i}` });
  const first = await cf.dns.records.list({ zone_id: zone.id, per_page: 5 });
  assert.deepEqual(first.result_info, { page: 1, per_page: 5, count: 5, total_count: 23, total_pages: 5 });
  const seen: string[] = [];
  for await (const record of cf.dns.records.list({ zone_id: zone.id, per_page: 5 }))
    seen.push(record.name ?? "");
  assert.equal(seen.length, 23);
  assert.equal(new Set(seen).size, 23);
  const pagesAsked = twin.exchanges.filter(
    (e) => e.operationId === "dns-records-for-a-zone-list-dns-records",
  ).length;
  assert.equal(pagesAsked, 1 + 6, "pages 1–5 and the empty page 6 that ends the walk");
});

test("conflicts: 81058 identical, 81057 second CNAME, 81053 A beside CNAME — as PROVIDERS.md documents", async (t) => {
  const { cf, zone, twin } = await seeded(t);
  await cf.dns.records.create({ zone_id: zone.id, type: "A", name: "www", content: "192.0.2.1", ttl: 1 });
  await cf.dns.records.create({
    zone_id: zone.id,
    type: "CNAME",
    name: "docs",
    content: "target.example.net",
    ttl: 1,
  });
  const cases: [Parameters<typeof cf.dns.records.create>[0], number, RegExp][] = [
    [
      { zone_id: zone.id, type: "A", name: "www", content: "192.0.2.1", ttl: 1 },
      81058,
      /identical record already exists/,
    ],
    [
      { zone_id: zone.id, type: "CNAME", name: "docs", content: "elsewhere.example.net", ttl: 1 },
      81057,
      /record already exists/,
    ],
    [
      { zone_id: zone.id, type: "CNAME", name: "www", content: "target.example.net", ttl: 1 },
      81053,
      /A, AAAA, or CNAME/,
    ],
    [{ zone_id: zone.id, type: "A", name: "docs", content: "192.0.2.2", ttl: 1 }, 81053, /A, AAAA, or CNAME/],
  ];
  for (const [body, code, message] of cases) {
    await assert.rejects(cf.dns.records.create(body), (error: unknown) => {
      assert.ok(error instanceof Cloudflare.BadRequestError, String(error));
      const errors = (error.error as { errors: { code: number; message: string }[] }).errors;
      assert.equal(errors[0]?.code, code);
      assert.match(errors[0]?.message ?? "", message);
      return true;
    });
  }
  // A second A on the same name is a round-robin, not a conflict.
  await cf.dns.records.create({ zone_id: zone.id, type: "A", name: "www", content: "192.0.2.3", ttl: 1 });
  assert.equal(recordsOf(twin, zone.id).length, 3);
});

test("auth: a DNS:Read token reads but cannot write; bad and missing tokens are refused", async (t) => {
  const { client, reader, zone, other, twin, editor } = await seeded(t);
  const ro = client(reader.value);
  assert.equal((await ro.dns.records.list({ zone_id: zone.id })).result.length, 0);
  await assert.rejects(
    ro.dns.records.create({ zone_id: zone.id, type: "A", name: "x", content: "192.0.2.1", ttl: 1 }),
    (error: unknown) => {
      assert.ok(error instanceof Cloudflare.PermissionDeniedError);
      assert.match(error.message, /10000/);
      return true;
    },
  );
  assert.deepEqual(recordsOf(twin, zone.id), [], "the refused write left no record");
  // The editor is restricted to example.com: other.org does not exist for it.
  await assert.rejects(
    client(editor.value).dns.records.create({
      zone_id: other.id,
      type: "A",
      name: "x",
      content: "192.0.2.1",
      ttl: 1,
    }),
    Cloudflare.NotFoundError,
  );
  await assert.rejects(client("not-a-token").zones.list(), (error: unknown) => {
    assert.ok(error instanceof Cloudflare.AuthenticationError);
    assert.match(error.message, /9109/);
    return true;
  });
  const bare = await fetch(`${twin.baseURL}/zones`);
  assert.equal(bare.status, 401);
  assert.equal(((await bare.json()) as { errors: { code: number }[] }).errors[0]?.code, 10000);
  const malformed = await fetch(`${twin.baseURL}/zones`, { headers: { authorization: "Token abc" } });
  assert.equal(malformed.status, 400);
  const chain = (await malformed.json()) as { errors: { code: number; error_chain: { code: number }[] }[] };
  assert.deepEqual([chain.errors[0]?.code, chain.errors[0]?.error_chain[0]?.code], [6003, 6111]);
  const verified = await ro.user.tokens.verify();
  assert.equal(verified.status, "active");
  assert.equal(verified.id, reader.id);
});

test("rate limits: Ratelimit headers on every answer; over quota → 429 with retry-after", async (t) => {
  const { twin } = await startCloudflareTwin(t, { rateLimit: { quota: 2, windowSeconds: 300 } });
  const { value } = addToken(twin, { scopes: ["zone:read"] });
  const get = () => fetch(`${twin.baseURL}/zones`, { headers: { authorization: `Bearer ${value}` } });
  const first = await get();
  assert.equal(first.headers.get("ratelimit"), '"default";r=1;t=300');
  assert.equal(first.headers.get("ratelimit-policy"), '"burst";q=2;w=300');
  assert.equal(first.headers.get("retry-after"), null);
  await get();
  const limited = await get();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "300");
  const body = (await limited.json()) as { success: boolean; errors: { code: number }[] };
  assert.equal(body.success, false);
});
