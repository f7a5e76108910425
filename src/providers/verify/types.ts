// What a verification reports: a verdict with the raw evidence it was reached on (DESIGN "Evidence, not flags").

export type CheckName = "dns" | "tls" | "http" | "log";

export interface CheckResult {
  name: CheckName;
  /** The step's target: the host, URL or application checked. */
  target: string;
  /** true only when the check ran and saw what was desired; a check that could not run is false. */
  ok: boolean;
  /** A human sentence carrying the raw evidence (address, issuer/serial/expiry, status, the log line). */
  detail: string;
  evidence: Record<string, unknown>;
}

export interface VerifyProviderOptions {
  /**
   * DNS servers to ask, like `["127.0.0.1:5353"]`. Default: the zone's authoritative servers (found through the
   * system resolver), so a stale negative cache in a recursive resolver cannot hide a fresh record.
   */
  resolver?: string[];
  /** Trusted CA certificates (PEM). Default: node's trust store (run node with --use-system-ca for the OS's). */
  ca?: string[];
  /** Where HTTPS and HTTP are served (default 443 and 80). */
  ports?: { https?: number; http?: number };
  /** The app's log text (the Dokploy provider's `readAppLogs`); without it the log check cannot run. */
  readLogs?: (application: string) => Promise<string>;
  /**
   * The address to connect to for a resolved one; default the same address. The lab maps Cloudflare's edge
   * addresses to its local front (like curl's --connect-to); production leaves it unset.
   */
  connectTo?: (address: string) => string;
  /** Milliseconds allowed for every network call (default 5000). */
  timeout?: number;
  /** How many times `apply` checks before giving up (default 10). */
  attempts?: number;
  /** Milliseconds between attempts (default 3000). */
  interval?: number;
  sleep?: (ms: number) => Promise<void>;
}
