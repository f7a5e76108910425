// Rules for the path from a domain to the app: certificates (ACME), DNS records and CDN/edge proxies.
// Samples tagged `from` were copied from that case.
import type { Rule } from "../types.ts";

export const NETWORK_RULES: readonly Rule[] = [
  {
    id: "acme-rate-limited",
    category: "tls-acme",
    patterns: [
      /too many certificates (?:\(\d+\) )?already issued/,
      /urn:ietf:params:acme:error:rateLimited/,
      /too many failed authorizations recently/,
    ],
    priority: 75,
    confidence: 0.9,
    summary: "The certificate authority's rate limit was hit by repeated issuance for the same names.",
    fix: "Stop re-issuing: keep and reuse issued certificates (persist the ACME storage), test against the staging CA, and wait for the rate-limit window to pass.",
    positive: [
      {
        text: '[Mon Oct 23 11:03:00 CEST 2017] Sign failed: "detail":"Error creating new cert :: too many certificates already issued for exact set of domains:  mydomain"',
        from: "acme-rate-limit-duplicate-certs",
      },
      {
        text: "urn:ietf:params:acme:error:rateLimited: Error creating new order :: too many certificates (5) already issued for this exact set of domains in the last 168 hours",
      },
    ],
    negative: [{ text: "Certificate issued successfully" }],
  },
  {
    id: "acme-caa",
    category: "tls-acme",
    patterns: [
      /looking up CAA for/,
      /CAA record for [\w.-]+ prevents issuance/,
      /urn:ietf:params:acme:error:caa/,
    ],
    priority: 75,
    confidence: 0.8,
    summary: "Issuance failed on the certificate authority's CAA check for the domain.",
    fix: "Make sure the domain's CAA records allow this CA (or that none exist and the lookup succeeds); if the CA reports a lookup error on its side, retry later.",
    positive: [
      {
        text: "400 urn:ietf:params:acme:error:dns: DNS problem: NXDOMAIN looking up CAA for",
        from: "acme-staging-nxdomain-caa-lookup",
      },
      { text: "CAA record for example.com prevents issuance" },
    ],
    negative: [{ text: "DNS problem: NXDOMAIN looking up A for example.com" }],
  },
  {
    id: "acme-challenge-unreachable",
    category: "tls-acme",
    patterns: [
      /Timeout during connect \(likely firewall problem\)/,
      /urn:ietf:params:acme:error:connection/,
      /Fetching https?:\/\/[^\s]+\/\.well-known\/acme-challenge\/[^\s]*: (?:Timeout|Connection refused)/,
    ],
    priority: 65,
    confidence: 0.75,
    summary:
      "The certificate authority could not reach the server to validate the HTTP challenge (port 80 blocked or nothing listening).",
    fix: "Open port 80 to the internet on the firewall/security group and make sure the ACME client or proxy answers there, then retry.",
    positive: [
      {
        text: "Detail: 203.0.113.5: Fetching http://example.com/.well-known/acme-challenge/abc: Timeout during connect (likely firewall problem)",
      },
    ],
    negative: [{ text: "Fetching http://example.com/.well-known/acme-challenge/abc: 200" }],
  },
  {
    id: "acme-wrong-certificate-served",
    category: "tls-acme",
    patterns: [
      /TRAEFIK DEFAULT CERT/,
      /x509: certificate is valid for [^,]+(?:, [^,]+)*, not /,
      /Unable to obtain ACME certificate for domains/,
    ],
    priority: 55,
    confidence: 0.7,
    summary: "The server presents a fallback or wrong certificate because issuing the right one failed.",
    fix: "Check the ACME client/proxy log for why issuance failed for this host (DNS, challenge reachability, rate limit) and retry once fixed.",
    positive: [{ text: "x509: certificate is valid for TRAEFIK DEFAULT CERT, not app.example.com" }],
    negative: [{ text: "certificate valid until 2027-01-01" }],
  },
  {
    id: "acme-challenge-failed",
    category: "tls-acme",
    patterns: [
      /urn:ietf:params:acme:error:(?:unauthorized|tls|incorrectResponse)/,
      /Some challenges have failed/,
      /Challenge failed for domain/,
    ],
    priority: 40,
    confidence: 0.6,
    summary: "The ACME challenge failed: the certificate authority could not validate control of the domain.",
    fix: "Check that the domain resolves to this server and that the challenge path (port 80 /.well-known/acme-challenge/) is served by the ACME client, not a proxy or another site.",
    positive: [{ text: "Certbot failed to authenticate some domains\nSome challenges have failed." }],
    negative: [{ text: "All challenges passed" }],
  },
  {
    id: "dns-nxdomain-record",
    category: "dns-record",
    patterns: [
      /NXDOMAIN looking up (?:A|AAAA|TXT|CNAME) for/,
      /No valid IP addresses found for/,
      /server can't find [\w.-]+: NXDOMAIN/,
    ],
    priority: 75,
    confidence: 0.88,
    summary: "The domain (or subdomain) has no DNS record, so it cannot be reached or validated.",
    fix: "Create the missing A/AAAA (or CNAME) record pointing at the server, wait for it to propagate (check with `dig`), then retry.",
    positive: [
      {
        text: "  Detail: DNS problem: NXDOMAIN looking up A for auth.displyy.xyz - check that a DNS record exists for this domain",
        from: "dns-nxdomain-missing-subdomain-records",
      },
      { text: "** server can't find app.example.com: NXDOMAIN" },
    ],
    negative: [{ text: "DNS problem: NXDOMAIN looking up CAA for example.com" }],
  },
  {
    id: "dns-lookup-failed",
    category: "dns-record",
    patterns: [
      /DNS problem: (?:SERVFAIL|REFUSED|query timed out) looking up (?:A|AAAA|TXT) for/,
      /Incorrect TXT record [^\n]* found at _acme-challenge/,
    ],
    priority: 70,
    confidence: 0.75,
    summary: "The domain's DNS does not answer correctly (lookup failure or a stale challenge record).",
    fix: "Fix the domain's DNS: check the authoritative servers and DNSSEC, or wait for the TXT record to propagate before validating.",
    positive: [
      {
        text: "DNS problem: SERVFAIL looking up A for example.com - the domain's nameservers may be malfunctioning",
      },
    ],
    negative: [{ text: "DNS lookup ok" }],
  },
  {
    id: "acme-challenge-answered-elsewhere",
    category: "dns-record",
    // The validation request reached a server without the token file: most often the A or AAAA record
    // points at another machine.
    patterns: [/Invalid response from https?:\/\/[^\s]*\/\.well-known\/acme-challenge\//],
    requires: [{ pattern: /Not Found|: 404\b|" 404\b/, within: 6 }],
    priority: 50,
    confidence: 0.6,
    summary:
      "The ACME challenge request was answered by another server (404): the domain's A or AAAA record likely points elsewhere.",
    fix: "Check the domain's A and AAAA records (an old AAAA record is a common culprit) point at this server; if they do, check the webroot or proxy serving /.well-known/acme-challenge/.",
    positive: [
      {
        text: "Challenge marked as invalid. Details: Invalid response from http://ad-quadrat.de/.well-known/acme-challenge/7Va3uzLCOw61AU8: &quot;&lt;HTML&gt;\n&lt;HEAD&gt;\n&lt;TITLE&gt;404 Not Found&lt;/TITLE&gt;",
        from: "dns-aaaa-record-points-elsewhere",
      },
      { text: "Invalid response from http://example.com/.well-known/acme-challenge/abc: 404" },
    ],
    negative: [{ text: "Invalid response from http://example.com/.well-known/acme-challenge/abc: 503" }],
  },
  {
    id: "cloudflare-origin-error",
    category: "cdn-proxy",
    patterns: [/Error code:? 52[0-6]\b/i, /\bHTTP\/[\d.]+ 52[0-6]\b/],
    requires: [{ pattern: /cloudflare|cf-ray|Error code:? 52/i }],
    priority: 65,
    confidence: 0.8,
    summary:
      "Cloudflare could not get a valid answer from the origin (52x): the origin is down, unreachable from Cloudflare, or its TLS does not match the SSL mode.",
    fix: "Check that the origin accepts connections from Cloudflare's IP ranges on the right port (firewall, fail2ban), and that the SSL/TLS mode matches the origin's certificate (Full strict needs a valid origin certificate).",
    positive: [{ text: "HTTP/2 522\nserver: cloudflare" }, { text: "Connection timed out Error code 522" }],
    negative: [{ text: "HTTP/2 502\nserver: nginx" }],
  },
  {
    id: "cloudflare-redirect-loop",
    category: "cdn-proxy",
    patterns: [
      /ERR_TOO_MANY_REDIRECTS|too many redirects|redirected you too many times/i,
      /^server: cloudflare\s*$/i,
    ],
    requires: [
      { pattern: /cloudflare/i },
      {
        pattern:
          /ERR_TOO_MANY_REDIRECTS|too many redirects|redirected you too many times|^HTTP\/[\d.]+ 30[1278]\b/i,
      },
    ],
    priority: 55,
    confidence: 0.65,
    summary:
      "Requests through Cloudflare loop on redirects: with Flexible SSL the origin is fetched over HTTP and redirects back to HTTPS.",
    fix: "Set Cloudflare's SSL/TLS mode to Full (strict) with a valid origin certificate (or stop the origin's HTTP→HTTPS redirect), or make the record DNS-only.",
    positive: [
      {
        text: "HTTP/2 302\nlocation: https://claycss.com/\nserver: cloudflare",
        from: "cf-flexible-proxy-redirect-loop-claycss",
      },
      { text: "curl: (47) Maximum (50) redirects followed\nERR_TOO_MANY_REDIRECTS via cloudflare" },
    ],
    negative: [{ text: "HTTP/2 200\nserver: cloudflare" }],
  },
];
