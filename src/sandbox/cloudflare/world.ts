// Seeding and inspection from code, for tests and the sandbox (the twin's HTTP API is only Cloudflare's).
import { randomBytes } from "node:crypto";
import {
  type CloudflareToken,
  DEFAULT_SSL,
  type DnsRecord,
  type SslMode,
  type TokenScope,
  type Zone,
} from "./state.ts";
import type { CloudflareTwin } from "./twin.ts";

export function hexId(): string {
  return randomBytes(16).toString("hex");
}

export function addZone(
  twin: CloudflareTwin,
  options: { name: string; id?: string; accountId?: string; accountName?: string; status?: Zone["status"] },
): Zone {
  const now = twin.now();
  const zone: Zone = {
    id: options.id ?? hexId(),
    name: options.name.toLowerCase().replace(/\.$/, ""),
    status: options.status ?? "active",
    account: {
      id: options.accountId ?? "0123456789abcdef0123456789abcdef",
      name: options.accountName ?? "Sandbox",
    },
    nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
    createdOn: now,
    modifiedOn: now,
  };
  twin.world.zones[zone.id] = zone;
  twin.world.records[zone.id] ??= [];
  return zone;
}

export function addToken(
  twin: CloudflareTwin,
  options: { scopes: TokenScope[]; zoneIds?: string[]; value?: string; status?: CloudflareToken["status"] },
): CloudflareToken {
  const token: CloudflareToken = {
    value: options.value ?? `cf_${randomBytes(20).toString("base64url")}`,
    id: hexId(),
    scopes: [...options.scopes],
    zoneIds: options.zoneIds ? [...options.zoneIds] : undefined,
    status: options.status ?? "active",
  };
  twin.world.tokens[token.value] = token;
  return token;
}

/** Seeds a record directly (as if someone else created it), bypassing the API and its faults. */
export function addRecord(
  twin: CloudflareTwin,
  zoneId: string,
  record: Pick<DnsRecord, "type" | "name" | "content"> &
    Partial<Pick<DnsRecord, "proxied" | "ttl" | "comment" | "tags">>,
): DnsRecord {
  const zone = twin.world.zones[zoneId];
  if (!zone) throw new Error(`no zone ${zoneId}`);
  const now = twin.now();
  const saved: DnsRecord = {
    id: hexId(),
    zoneId,
    name: fqdn(record.name, zone.name),
    type: record.type.toUpperCase(),
    content: record.content,
    proxied: record.proxied ?? false,
    ttl: record.ttl ?? 1,
    comment: record.comment ?? null,
    tags: record.tags ?? [],
    createdOn: now,
    modifiedOn: now,
  };
  twin.world.records[zoneId]?.push(saved);
  return saved;
}

/** The zone's SSL/TLS mode as if set in the dashboard (the default is "full"). */
export function setZoneSsl(twin: CloudflareTwin, zoneId: string, value: SslMode): void {
  const zone = twin.world.zones[zoneId];
  if (!zone) throw new Error(`no zone ${zoneId}`);
  zone.ssl = { value, modifiedOn: twin.now() };
}

export function zoneSsl(twin: CloudflareTwin, zoneId: string): SslMode {
  const zone = twin.world.zones[zoneId];
  if (!zone) throw new Error(`no zone ${zoneId}`);
  return zone.ssl?.value ?? DEFAULT_SSL;
}

/** Every record in a zone, in creation order (a copy). */
export function recordsOf(twin: CloudflareTwin, zoneId: string): DnsRecord[] {
  return (twin.world.records[zoneId] ?? []).map((r) => ({ ...r, tags: [...r.tags] }));
}

export function zoneByName(twin: CloudflareTwin, name: string): Zone | undefined {
  return Object.values(twin.world.zones).find((z) => z.name === name.toLowerCase().replace(/\.$/, ""));
}

/** `@` is the apex; a relative name is inside the zone; an FQDN is kept. Always lower case, no trailing dot. */
export function fqdn(name: string, zoneName: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, "");
  if (n === "@" || n === "") return zoneName;
  if (n === zoneName || n.endsWith(`.${zoneName}`)) return n;
  return `${n}.${zoneName}`;
}
