// The zone `ssl` setting through the official `cloudflare` SDK: Cloudflare's envelope, the default, seeding,
// the Zone Settings scopes, and the fail-closed validation of what is sent and answered.
import assert from "node:assert/strict";
import { test } from "node:test";
import Cloudflare from "cloudflare";
import type { HandlerTable } from "../../../src/sandbox/cloudflare/twin.ts";
import { addToken, addZone, setZoneSsl, zoneSsl } from "../../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../../support/cloudflare-twin.ts";

async function seeded(t: Parameters<typeof startCloudflareTwin>[0], handlers?: HandlerTable) {
  const harness = await startCloudflareTwin(t, { handlers, expectViolations: handlers !== undefined });
  const zone = addZone(harness.twin, { name: "example.com" });
  const settings = addToken(harness.twin, { scopes: ["zone:read", "dns:edit", "zone_settings:read"] });
  return { ...harness, zone, settings };
}

async function raw(url: string, token: string, init: RequestInit = {}) {
  const res = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test("ssl setting: a new zone answers Full in Cloudflare's envelope, never modified", async (t) => {
  const { twin, zone, settings } = await seeded(t);
  const { status, body } = await raw(`${twin.baseURL}/zones/${zone.id}/settings/ssl`, settings.value);
  assert.equal(status, 200);
  assert.deepEqual(body, {
    success: true,
    errors: [],
    messages: [],
    result: { id: "ssl", value: "full", editable: true, modified_on: null },
  });
  const exchange = twin.exchanges.at(-1);
  assert.equal(exchange?.operationId, "zone-settings-get-ssl-setting");
  assert.deepEqual(exchange?.violations, []);
});

test("ssl setting: the seeded mode is what the SDK reads, with its modification time", async (t) => {
  const { twin, zone, settings, client } = await seeded(t);
  setZoneSsl(twin, zone.id, "flexible");
  const got = (await client(settings.value).zones.settings.get("ssl", { zone_id: zone.id })) as {
    id: string;
    value: string;
    modified_on?: string | null;
  };
  assert.equal(got.id, "ssl");
  assert.equal(got.value, "flexible");
  assert.equal(got.modified_on, zone.ssl?.modifiedOn);
  assert.ok(got.modified_on, "a changed setting carries its modification time");
});

test("ssl setting: a token without Zone Settings Read is refused 403 (10000); DNS scopes do not stand in", async (t) => {
  const { twin, zone, client } = await seeded(t);
  const dnsOnly = addToken(twin, { scopes: ["zone:read", "dns:read", "dns:edit"] });
  await assert.rejects(
    client(dnsOnly.value).zones.settings.get("ssl", { zone_id: zone.id }),
    (error: unknown) =>
      error instanceof Cloudflare.APIError &&
      error.status === 403 &&
      error.errors.some((e) => e.code === 10000),
  );
  const editor = addToken(twin, { scopes: ["zone_settings:edit"] });
  const got = (await client(editor.value).zones.settings.get("ssl", { zone_id: zone.id })) as {
    value: string;
  };
  assert.equal(got.value, "full", "Zone Settings Edit implies read");
});

test("ssl setting: a token restricted to other zones sees this one as unknown (404, 7003)", async (t) => {
  const { twin, zone } = await seeded(t);
  const other = addZone(twin, { name: "other.org" });
  const elsewhere = addToken(twin, { scopes: ["zone_settings:read"], zoneIds: [other.id] });
  const { status, body } = await raw(`${twin.baseURL}/zones/${zone.id}/settings/ssl`, elsewhere.value);
  assert.equal(status, 404);
  assert.equal((body.errors as { code: number }[])[0]?.code, 7003);
});

test("ssl setting: PATCH needs Zone Settings Edit and changes the zone's mode", async (t) => {
  const { twin, zone, settings, client } = await seeded(t);
  await assert.rejects(
    client(settings.value).zones.settings.edit("ssl", { zone_id: zone.id, value: "strict" }),
    (error: unknown) => error instanceof Cloudflare.APIError && error.status === 403,
  );
  assert.equal(zoneSsl(twin, zone.id), "full", "a refused change changes nothing");
  const editor = addToken(twin, { scopes: ["zone_settings:edit"] });
  const { status, body } = await raw(`${twin.baseURL}/zones/${zone.id}/settings/ssl`, editor.value, {
    method: "PATCH",
    body: JSON.stringify({ value: "strict" }),
  });
  assert.equal(status, 200);
  assert.equal((body.result as { value: string }).value, "strict");
  assert.equal(zoneSsl(twin, zone.id), "strict");
});

test("ssl setting: a PATCH with a value Cloudflare does not know is refused by the description, state kept", async (t) => {
  const harness = await startCloudflareTwin(t, { expectViolations: true });
  const zone = addZone(harness.twin, { name: "example.com" });
  const editor = addToken(harness.twin, { scopes: ["zone_settings:edit"] });
  const { status, body } = await raw(`${harness.twin.baseURL}/zones/${zone.id}/settings/ssl`, editor.value, {
    method: "PATCH",
    body: JSON.stringify({ value: "strictest" }),
  });
  assert.equal(status, 400);
  assert.equal(body.success, false);
  assert.equal(zoneSsl(harness.twin, zone.id), "full");
  const violations = harness.twin.contractReport().violations;
  assert.equal(violations.length, 1);
  assert.match(violations[0]?.violations.join(" ") ?? "", /request/);
});

test("ssl setting: an answer that breaks the description is caught and answered 500 (fail-closed)", async (t) => {
  const broken: HandlerTable = {
    "zone-settings-get-ssl-setting": () => ({
      status: 200,
      body: { success: true, errors: [], messages: [], result: { id: "ssl", value: "Full (strict)" } },
    }),
  };
  const { twin, zone, settings } = await seeded(t, broken);
  const { status } = await raw(`${twin.baseURL}/zones/${zone.id}/settings/ssl`, settings.value);
  assert.equal(status, 500);
  const [violation] = twin.contractReport().violations;
  assert.equal(violation?.operationId, "zone-settings-get-ssl-setting");
  assert.match(violation?.violations.join(" ") ?? "", /response/);
});
