// The Cloudflare contract check must bite: deliberately invalid exchanges, each caught and recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addToken, addZone } from "../../src/sandbox/cloudflare/world.ts";
import { startCloudflareTwin } from "../support/cloudflare-twin.ts";

test("canary: a request body that breaks Cloudflare's schema is refused with 400 and recorded", async (t) => {
  const { twin } = await startCloudflareTwin(t, { expectViolations: true });
  const zone = addZone(twin, { name: "example.com" });
  const { value } = addToken(twin, { scopes: ["dns:edit"] });
  // The SDK types would stop this; a buggy client would not: an A record whose content is no IPv4 address.
  const response = await fetch(`${twin.baseURL}/zones/${zone.id}/dns_records`, {
    method: "POST",
    headers: { authorization: `Bearer ${value}`, "content-type": "application/json" },
    body: JSON.stringify({ type: "A", name: "app", content: "not-an-ip", ttl: "auto" }),
  });
  assert.equal(response.status, 400);
  const body = (await response.json()) as { success: boolean; errors: { code: number }[] };
  assert.equal(body.success, false);
  const [exchange] = twin.contractReport().violations;
  assert.match(exchange?.violations.join("\n") ?? "", /request: request body/);
  assert.equal(twin.world.records[zone.id]?.length, 0, "nothing was created");
});

test("canary: a response that breaks Cloudflare's schema is answered 500 in strict mode and recorded", async (t) => {
  const { twin } = await startCloudflareTwin(t, {
    expectViolations: true,
    handlers: {
      // No envelope: a bare zone list, as a careless handler might send.
      "zones-get": () => ({ status: 200, body: { success: "yes", result: [{ id: 7 }] } }),
    },
  });
  const { value } = addToken(twin, { scopes: ["zone:read"] });
  const response = await fetch(`${twin.baseURL}/zones`, { headers: { authorization: `Bearer ${value}` } });
  assert.equal(response.status, 500);
  const body = (await response.json()) as { errors: { message: string }[] };
  assert.match(body.errors[0]?.message ?? "", /contract violation in zones-get/);
  assert.equal(twin.contractReport().violations.length, 1);
});

test("canary: a path that matches no documented operation is a violation answered 7000, not a silent 404", async (t) => {
  const { twin } = await startCloudflareTwin(t, { expectViolations: true });
  const { value } = addToken(twin, { scopes: ["zone:read"] });
  const response = await fetch(`${twin.baseURL}/zones/0123/settings/always_use_https`, {
    headers: { authorization: `Bearer ${value}` },
  });
  assert.equal(response.status, 404);
  const body = (await response.json()) as { errors: { code: number }[] };
  assert.equal(body.errors[0]?.code, 7000);
  assert.match(twin.contractReport().violations[0]?.violations[0] ?? "", /matches no operation/);
});
