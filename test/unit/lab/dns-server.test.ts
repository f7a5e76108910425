import assert from "node:assert/strict";
import { Resolver } from "node:dns/promises";
import { test } from "node:test";
import { isCloudflareAddress } from "../../../src/providers/verify/cloudflare-ips.ts";
import { CloudflareTwin } from "../../../src/sandbox/cloudflare/twin.ts";
import { addRecord, addZone } from "../../../src/sandbox/cloudflare/world.ts";
import { queryDns } from "../../../src/sandbox/lab/dns-client.ts";
import { startDnsServer } from "../../../src/sandbox/lab/dns-server.ts";
import { cloudflareRecords } from "../../../src/sandbox/lab/dns-zones.ts";

async function lab(t: import("node:test").TestContext) {
  // The twin's state is all the responder reads; its HTTP API is not needed here.
  const twin = new CloudflareTwin();
  const zone = addZone(twin, { name: "example.com" });
  const dns = await startDnsServer({ zones: () => cloudflareRecords(twin) });
  t.after(() => dns.close());
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${dns.port}`]);
  return { twin, zone, dns, resolver };
}

test("answers over UDP with the A record held in the Cloudflare twin, and follows later changes", async (t) => {
  const { twin, zone, resolver } = await lab(t);
  const record = addRecord(twin, zone.id, { type: "A", name: "app", content: "203.0.113.10" });
  assert.deepEqual(await resolver.resolve4("app.example.com"), ["203.0.113.10"]);
  record.content = "203.0.113.11";
  assert.deepEqual(await resolver.resolve4("app.example.com"), ["203.0.113.11"]);
});

test("answers over TCP on the same port number with the same record, authoritatively", async (t) => {
  const { twin, zone, dns } = await lab(t);
  addRecord(twin, zone.id, { type: "A", name: "app", content: "203.0.113.10" });
  const reply = await queryDns({ server: dns, name: "app.example.com", type: "A", transport: "tcp" });
  assert.equal(reply.rcode, "NOERROR");
  assert.equal(reply.flag_aa, true);
  assert.deepEqual(
    reply.answers?.map((a) => [a.name, a.type, "data" in a ? a.data : undefined]),
    [["app.example.com", "A", "203.0.113.10"]],
  );
});

test("a proxied record answers with a Cloudflare edge address, not the origin", async (t) => {
  const { twin, zone, resolver } = await lab(t);
  addRecord(twin, zone.id, { type: "A", name: "app", content: "203.0.113.10", proxied: true });
  const v4 = await resolver.resolve4("app.example.com");
  const v6 = await resolver.resolve6("app.example.com");
  assert.ok(v4.length > 0 && v4.every(isCloudflareAddress), `expected Cloudflare addresses, got ${v4}`);
  assert.ok(v6.length > 0 && v6.every(isCloudflareAddress), `expected Cloudflare addresses, got ${v6}`);
  assert.ok(!v4.includes("203.0.113.10"));
});

test("a CNAME inside the zone is followed to its address; a CNAME query returns the target", async (t) => {
  const { twin, zone, resolver } = await lab(t);
  addRecord(twin, zone.id, { type: "CNAME", name: "www", content: "app.example.com" });
  addRecord(twin, zone.id, { type: "A", name: "app", content: "203.0.113.10" });
  assert.deepEqual(await resolver.resolve4("www.example.com"), ["203.0.113.10"]);
  assert.deepEqual(await resolver.resolveCname("www.example.com"), ["app.example.com"]);
});

test("an unknown name inside the zone is NXDOMAIN with the SOA; NS and SOA answer at the apex", async (t) => {
  const { dns, resolver } = await lab(t);
  await assert.rejects(resolver.resolve4("nope.example.com"), { code: "ENOTFOUND" });
  const reply = await queryDns({ server: dns, name: "nope.example.com", type: "A", transport: "udp" });
  assert.equal(reply.rcode, "NXDOMAIN");
  assert.equal(reply.authorities?.[0]?.type, "SOA");
  assert.deepEqual(await resolver.resolveNs("example.com"), [
    "ada.ns.cloudflare.com",
    "bob.ns.cloudflare.com",
  ]);
  assert.equal((await resolver.resolveSoa("example.com")).nsname, "ada.ns.cloudflare.com");
});

test("a name outside every zone is REFUSED over UDP and TCP", async (t) => {
  const { dns, resolver } = await lab(t);
  await assert.rejects(resolver.resolve4("example.org"), { code: "EREFUSED" });
  const reply = await queryDns({ server: dns, name: "example.org", type: "A", transport: "tcp" });
  assert.equal(reply.rcode, "REFUSED");
  assert.equal(reply.answers?.length ?? 0, 0);
});

test("an answer too big for UDP is truncated, and node's resolver gets it whole over TCP", async (t) => {
  const { twin, zone, dns, resolver } = await lab(t);
  const values = Array.from({ length: 12 }, (_, i) => `v=${i} ${"x".repeat(60)}`);
  for (const content of values) addRecord(twin, zone.id, { type: "TXT", name: "big", content });
  const udp = await queryDns({ server: dns, name: "big.example.com", type: "TXT", transport: "udp" });
  assert.equal(udp.flag_tc, true);
  assert.equal(udp.answers?.length ?? 0, 0);
  const txt = await resolver.resolveTxt("big.example.com");
  assert.deepEqual(txt.map((chunks) => chunks.join("")).sort(), [...values].sort());
});
