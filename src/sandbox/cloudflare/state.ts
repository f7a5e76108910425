// The Cloudflare twin's world: zones, their DNS records and the API tokens that may touch them.

// Zone settings are their own permission group at Cloudflare ("Zone Settings Read/Edit", `#zone_settings:*`),
// apart from "Zone Read" and "DNS": a DNS-only token cannot read the SSL mode, and the twin says so.
export type TokenScope = "zone:read" | "dns:read" | "dns:edit" | "zone_settings:read" | "zone_settings:edit";

/** The zone's SSL/TLS encryption mode; `strict` is what Cloudflare's dashboard calls "Full (strict)". */
export type SslMode = "off" | "flexible" | "full" | "strict";
export const SSL_MODES: readonly SslMode[] = ["off", "flexible", "full", "strict"];
/** What a new zone answers until someone changes it (the twin's choice: our deploys need Full or stricter). */
export const DEFAULT_SSL: SslMode = "full";

export interface CloudflareToken {
  /** The secret sent as `Authorization: Bearer <value>`. */
  value: string;
  /** 32 hex, what /user/tokens/verify answers. */
  id: string;
  scopes: TokenScope[];
  /** Zone ids this token may touch; absent means every zone. */
  zoneIds?: string[];
  status: "active" | "disabled" | "expired";
}

export interface Zone {
  id: string;
  name: string;
  status: "initializing" | "pending" | "active" | "moved";
  account: { id: string; name: string };
  nameServers: string[];
  createdOn: string;
  modifiedOn: string;
  /** The `ssl` zone setting; absent means never changed: "full", modified_on null. */
  ssl?: { value: SslMode; modifiedOn: string | null };
}

export interface DnsRecord {
  id: string;
  zoneId: string;
  /** Always the FQDN, lower case. */
  name: string;
  type: string;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
  tags: string[];
  createdOn: string;
  modifiedOn: string;
}

export interface CloudflareWorld {
  zones: Record<string, Zone>;
  /** Records in creation order, per zone id. */
  records: Record<string, DnsRecord[]>;
  tokens: Record<string, CloudflareToken>;
}

export function emptyCloudflareWorld(): CloudflareWorld {
  return { zones: {}, records: {}, tokens: {} };
}
