// What the lab's DNS responder serves, and the adapter that reads it from the Cloudflare twin's state, so a
// record created through Cloudflare's API is what a real resolver sees, proxied records included.
import type { CloudflareTwin } from "../cloudflare/twin.ts";

export interface DnsZoneRecord {
  /** FQDN, lower case, no trailing dot. */
  name: string;
  type: string;
  content: string;
  ttl: number;
}

export interface DnsZoneData {
  name: string;
  nameServers: string[];
  records: DnsZoneRecord[];
}

export type DnsAnswerSource = DnsZoneData[];

/** Where the lab's "CDN" answers for a proxied record: inside Cloudflare's published ranges, like the real edge. */
export const CLOUDFLARE_EDGE = { ipv4: "104.16.0.1", ipv6: "2606:4700::1" } as const;

const SERVED = new Set(["A", "AAAA", "CNAME", "TXT"]);

/** The Cloudflare twin's zones and records as a DNS responder sees them, read fresh on every call. */
export function cloudflareRecords(twin: Pick<CloudflareTwin, "world">): DnsAnswerSource {
  return Object.values(twin.world.zones).map((zone) => {
    const records: DnsZoneRecord[] = [];
    const proxiedNames = new Set<string>();
    for (const record of twin.world.records[zone.id] ?? []) {
      const ttl = record.ttl === 1 ? 300 : record.ttl;
      if (record.proxied && ["A", "AAAA", "CNAME"].includes(record.type)) {
        // A proxied name answers with the edge's addresses whatever the origin is (CNAMEs are flattened).
        if (proxiedNames.has(record.name)) continue;
        proxiedNames.add(record.name);
        records.push({ name: record.name, type: "A", content: CLOUDFLARE_EDGE.ipv4, ttl: 300 });
        records.push({ name: record.name, type: "AAAA", content: CLOUDFLARE_EDGE.ipv6, ttl: 300 });
        continue;
      }
      if (SERVED.has(record.type))
        records.push({ name: record.name, type: record.type, content: record.content, ttl });
    }
    return { name: zone.name, nameServers: [...zone.nameServers], records };
  });
}
