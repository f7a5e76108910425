// The redirect loop a proxied record walks into when the zone does not speak HTTPS to the origin (issue 4,
// "Warn when a proxied record and the zone's SSL mode would loop"). With SSL/TLS mode Flexible, Cloudflare
// fetches the origin over plain HTTP; an origin that redirects HTTP to HTTPS (Dokploy's Traefik does for a
// domain with https: true) answers every fetch with that redirect, and Cloudflare fetches it over HTTP again:
// ERR_TOO_MANY_REDIRECTS. With Off, Cloudflare itself redirects HTTPS to HTTP, which the origin sends back.
// We only warn: the plan never changes zone settings it was not asked to.

/** Cloudflare's zone `ssl` setting values; `strict` is the dashboard's "Full (strict)". */
export type ZoneSslMode = "off" | "flexible" | "full" | "strict";

export interface SslLoopInput {
  /** The record is served through Cloudflare's proxy (orange cloud). */
  proxied: boolean;
  /** The zone's SSL/TLS encryption mode as read from Cloudflare. */
  sslMode: ZoneSslMode | string;
  /** The origin redirects HTTP to HTTPS: the plan's Dokploy domain has https: true. */
  httpsAtOrigin: boolean;
  /** Named in the warning when given. */
  host?: string;
  zone?: string;
}

const FIX =
  "set the zone's SSL/TLS encryption mode to Full (strict) (or Full) in Cloudflare (SSL/TLS → Overview), " +
  "or serve the record unproxied (dns.proxied: false)";

/** A warning when these settings would loop, naming the fix; undefined when they would not. */
export function sslLoopWarning(input: SslLoopInput): string | undefined {
  if (!input.proxied || !input.httpsAtOrigin) return undefined;
  const host = input.host ?? "the proxied record";
  const zone = input.zone ? `zone ${input.zone}` : "the zone";
  if (input.sslMode === "flexible") {
    return (
      `${host} would loop (ERR_TOO_MANY_REDIRECTS): it is proxied and ${zone}'s SSL/TLS mode is Flexible, so ` +
      `Cloudflare fetches the origin over HTTP, and the origin (https: true) redirects every such request to ` +
      `HTTPS. To fix it, ${FIX}.`
    );
  }
  if (input.sslMode === "off") {
    return (
      `${host} would loop (ERR_TOO_MANY_REDIRECTS): it is proxied and ${zone}'s SSL/TLS mode is Off, so ` +
      `Cloudflare redirects HTTPS to HTTP, and the origin (https: true) redirects HTTP back to HTTPS. To fix ` +
      `it, ${FIX}.`
    );
  }
  return undefined;
}

/** When the mode could not be read: say so, and what to check by hand. Never a failure. */
export function sslUncheckedWarning(options: { host: string; zone: string; reason: string }): string {
  return (
    `could not check whether ${options.host} would loop through Cloudflare (proxied, origin redirects to ` +
    `HTTPS): reading zone ${options.zone}'s SSL/TLS mode failed (${options.reason}). Give the token ` +
    `Zone → Zone Settings → Read to have it checked, or make sure the mode is Full (strict) or Full, not Flexible.`
  );
}
