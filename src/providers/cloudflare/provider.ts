// The Cloudflare provider: `dns-record.ensure` through the official SDK (issue 4, "Providers"). Zone by name,
// the record found by name (every page), created or updated with the plan's owner comment marking it ours.
// Every failure is treated as "maybe it happened": the next attempt finds before it creates, so a response
// lost after Cloudflare committed never yields a duplicate. The SDK retries 429/5xx/timeouts itself and
// honours Retry-After; what survives its retries comes back to our find-first loop.
import Cloudflare from "cloudflare";
import type { ProviderName, Step } from "../../plan/types.ts";
import { matches } from "../judge.ts";
import { type LiveState, PostconditionError, type Provider, ProviderError } from "../types.ts";
import { sslLoopWarning, sslUncheckedWarning } from "./ssl-loop.ts";

export const DNS_RECORD_ENSURE = "dns-record.ensure";
/** A rollback's step: remove the record an apply made. `desired` is null (absent); the target names it. */
export const DNS_RECORD_DELETE = "dns-record.delete";

/** The part of a Cloudflare DNS record we read and compare: allow-listed, in the shape of `desired`. */
export interface DnsRecordState {
  zone: string;
  name: string;
  type: RecordType;
  content: string;
  proxied: boolean;
  ttl: number;
  comment: string | null;
}

type RecordType = "A" | "AAAA" | "CNAME";
const RECORD_TYPES: readonly string[] = ["A", "AAAA", "CNAME"];
/** Prefix of the owner comment build.ts writes (`managed by devops-agent: <repo> <env>`). */
export const OWNER_PREFIX = "managed by devops-agent:";

// Cloudflare's record conflict codes (PROVIDERS.md §2, as the twin answers them).
const IDENTICAL = 81058;
const CNAME_EXISTS = 81057;
const ADDRESS_BESIDE_CNAME = 81053;

export interface CloudflareProviderOptions {
  apiToken: string;
  /** `https://api.cloudflare.com/client/v4` by default; the twin's base URL in tests and the sandbox. */
  baseURL?: string;
  /** The SDK's own retries of 429/5xx/timeouts (honouring Retry-After). Default 4. */
  maxRetries?: number;
  /** Per request, ms. Default 30 s: DNS writes are small; a hung request should not hold an apply for long. */
  timeout?: number;
  /** Find-then-write rounds when a write fails in a way that may have committed. Default 6. */
  attempts?: number;
}

interface FoundRecord {
  id: string;
  state: DnsRecordState;
}

export class CloudflareProvider implements Provider {
  readonly name: ProviderName = "cloudflare";
  readonly #cf: Cloudflare;
  readonly #attempts: number;
  readonly #zoneIds = new Map<string, string>();

  constructor(options: CloudflareProviderOptions) {
    this.#cf = new Cloudflare({
      apiToken: options.apiToken,
      baseURL: options.baseURL,
      maxRetries: options.maxRetries ?? 4,
      timeout: options.timeout ?? 30_000,
    });
    this.#attempts = options.attempts ?? 6;
  }

  handles(step: Step): boolean {
    return (
      step.provider === "cloudflare" &&
      (step.action === DNS_RECORD_ENSURE || step.action === DNS_RECORD_DELETE)
    );
  }

  async read(step: Step): Promise<LiveState> {
    if (step.action === DNS_RECORD_DELETE) {
      const target = deleteTargetOf(step);
      return this.#retrying(async () => deleteLive(await this.#findToDelete(target)));
    }
    const desired = desiredOf(step);
    return this.#retrying(async () => live(await this.#find(desired), desired));
  }

  async apply(step: Step): Promise<LiveState> {
    if (step.action === DNS_RECORD_DELETE) return this.#applyDelete(step);
    const desired = desiredOf(step);
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        const found = await this.#find(desired);
        const current = live(found, desired);
        if (matches(current, desired) && current.exists && current.ours) break;
        if (current.exists && !current.ours && !step.adopt) {
          throw new ProviderError({
            provider: this.name,
            reason: "not-ours",
            message: `${desired.name} ${found?.state.type} exists and is not ours; the plan does not adopt it`,
          });
        }
        const zoneId = await this.#zoneId(desired.zone);
        // Same name, same or conflicting type (A/AAAA vs CNAME): overwrite it in place (PUT); the type may change.
        if (found) await this.#cf.dns.records.update(found.id, { zone_id: zoneId, ...body(desired) });
        else await this.#cf.dns.records.create({ zone_id: zoneId, ...body(desired) });
        break;
      } catch (error) {
        if (!mayHaveHappened(error)) throw wrap(error);
        // Lost answer, exhausted retries, or a conflict with what another attempt committed: look again.
        if (attempt === this.#attempts) throw wrap(error);
      }
    }
    // Postcondition, against the provider: read back and compare with what the step promised.
    const after = await this.read(step);
    if (!(after.exists && after.ours && matches(after, desired))) {
      throw new PostconditionError({
        provider: this.name,
        message: `${desired.name} ${desired.type} does not read back as desired after apply`,
        live: after,
      });
    }
    return after;
  }

  /**
   * Warnings for the plan run's summary and the apply report, never a failure: a proxied record whose zone's
   * SSL/TLS mode would loop with an origin that redirects to HTTPS. The caller knows whether the origin does
   * (the plan's Dokploy domain has https: true); the zone setting is read only when it could matter.
   */
  async warnings(step: Step, context: { httpsAtOrigin: boolean }): Promise<string[]> {
    if (!this.handles(step)) return [];
    const desired = desiredOf(step);
    if (!desired.proxied || !context.httpsAtOrigin) return [];
    const where = { host: desired.name, zone: desired.zone };
    let sslMode: string;
    try {
      sslMode = await this.#retrying(async () => {
        const zoneId = await this.#zoneId(desired.zone);
        const setting = await this.#cf.zones.settings.get("ssl", { zone_id: zoneId });
        const value = "value" in setting ? setting.value : undefined;
        if (typeof value !== "string") throw new Error("Cloudflare answered the ssl setting without a value");
        return value;
      });
    } catch (error) {
      return [sslUncheckedWarning({ ...where, reason: uncheckedReason(error) })];
    }
    const warning = sslLoopWarning({ proxied: true, sslMode, httpsAtOrigin: true, ...where });
    return warning ? [warning] : [];
  }

  /**
   * Removes the record, find-first: absent is already done (a delete whose answer was lost, or a second run),
   * so every failure that may have committed is followed by another look rather than another delete.
   */
  async #applyDelete(step: Step): Promise<LiveState> {
    const target = deleteTargetOf(step);
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        const found = await this.#findToDelete(target);
        if (!found) break;
        if (!isOurs(found.record.state.comment, null) && !step.adopt) {
          throw new ProviderError({
            provider: this.name,
            reason: "not-ours",
            message: `${target.name} ${target.type} exists and is not ours (no devops-agent comment); the rollback leaves it alone unless the plan adopts it`,
          });
        }
        await this.#cf.dns.records.delete(found.record.id, { zone_id: found.zoneId });
        break;
      } catch (error) {
        // 81044: the record is already gone, e.g. our own delete whose answer was lost: look again.
        const gone = error instanceof Cloudflare.APIError && error.errors.some((e) => e.code === RECORD_GONE);
        if (!gone && !transient(error)) throw wrap(error);
        if (attempt === this.#attempts) throw wrap(error);
      }
    }
    const after = await this.read(step);
    if (after.exists) {
      throw new PostconditionError({
        provider: this.name,
        message: after.ours
          ? `${target.name} ${target.type} still reads back after its delete`
          : `${target.name} ${target.type}: ours is gone, but a record that is not ours remains there; remove it in Cloudflare if it should go too`,
        live: after,
      });
    }
    return after;
  }

  /** The record a delete is about: ours first when several share the name and type (round-robin A records). */
  async #findToDelete(target: DeleteTarget): Promise<{ zoneId: string; record: FoundRecord } | null> {
    const zone = await this.#zoneOf(target.name);
    const records = await this.#recordsNamed({
      zone,
      name: target.name,
      keep: (type) => type === target.type,
    });
    const record = records.find((r) => isOurs(r.state.comment, null)) ?? records[0];
    return record ? { zoneId: zone.id, record } : null;
  }

  /** A rollback step names the host only: its zone is the longest suffix this token can see as a zone. */
  async #zoneOf(host: string): Promise<{ id: string; name: string }> {
    const labels = host.split(".");
    for (let i = 0; i < labels.length - 1; i++) {
      const name = labels.slice(i).join(".");
      const cached = this.#zoneIds.get(name);
      if (cached) return { id: cached, name };
      const zones = await this.#cf.zones.list({ name });
      const zone = zones.result.find((z) => z.name === name);
      if (zone) {
        this.#zoneIds.set(name, zone.id);
        return { id: zone.id, name };
      }
    }
    throw new ProviderError({
      provider: this.name,
      reason: "zone-not-found",
      message: `no zone visible to this token holds ${host}: give the token Zone:Read on its zone`,
    });
  }

  async #zoneId(name: string): Promise<string> {
    const cached = this.#zoneIds.get(name);
    if (cached) return cached;
    const zones = await this.#cf.zones.list({ name });
    const zone = zones.result.find((z) => z.name === name);
    if (!zone) {
      throw new ProviderError({
        provider: this.name,
        reason: "zone-not-found",
        message: `zone ${name} is not visible to this token`,
      });
    }
    this.#zoneIds.set(name, zone.id);
    return zone.id;
  }

  /**
   * The record this step is about: same name and type, preferring one with the desired content (A records
   * may repeat); else an A/AAAA/CNAME on the name that would conflict (81053/81057), so judge sees it.
   */
  async #find(desired: DnsRecordState): Promise<FoundRecord | null> {
    const zone = { id: await this.#zoneId(desired.zone), name: desired.zone };
    const records = await this.#recordsNamed({
      zone,
      name: desired.name,
      keep: (type) => RECORD_TYPES.includes(type),
    });
    const sameType = records.filter((r) => r.state.type === desired.type);
    return (
      sameType.find((r) => r.state.content === desired.content) ??
      sameType[0] ??
      records.find((r) => conflicts(r.state.type, desired.type)) ??
      null
    );
  }

  /**
   * The records named exactly `name` in a zone, of the types `keep` takes, as DnsRecordState: the one reading
   * behind both a step's find and a delete's. Auto-pagination: the SDK asks for the next page until one comes
   * back empty.
   */
  async #recordsNamed(options: {
    zone: { id: string; name: string };
    name: string;
    keep: (type: string) => boolean;
  }): Promise<FoundRecord[]> {
    const { zone, name, keep } = options;
    const records: FoundRecord[] = [];
    for await (const r of this.#cf.dns.records.list({
      zone_id: zone.id,
      name: { exact: name },
      per_page: 100,
    })) {
      if (!keep(r.type)) continue;
      records.push({
        id: r.id,
        state: {
          zone: zone.name,
          name: r.name,
          type: r.type as RecordType,
          content: r.content ?? "",
          proxied: r.proxied ?? false,
          ttl: r.ttl,
          comment: r.comment ?? null,
        },
      });
    }
    return records;
  }

  async #retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!transient(error) || attempt >= this.#attempts) throw wrap(error);
      }
    }
  }
}

interface DeleteTarget {
  name: string;
  type: RecordType;
}

const RECORD_GONE = 81044;

/** `<host> <type>`, as build.ts writes a record step's target (the rollback step keeps it). */
function deleteTargetOf(step: Step): DeleteTarget {
  const match = /^(\S+)\s+(A|AAAA|CNAME)$/.exec(step.target.trim());
  if (!match || step.desired !== null) {
    throw new ProviderError({
      provider: "cloudflare",
      reason: "bad-step",
      message: `step ${step.id}: a ${DNS_RECORD_DELETE} step targets "<host> <A|AAAA|CNAME>" and desires null (absent)`,
    });
  }
  return { name: (match[1] as string).toLowerCase().replace(/\.$/, ""), type: match[2] as RecordType };
}

function deleteLive(found: { record: FoundRecord } | null): LiveState {
  if (!found) return { exists: false };
  return { exists: true, ours: isOurs(found.record.state.comment, null), state: found.record.state };
}

function live(found: FoundRecord | null, desired: DnsRecordState): LiveState {
  if (!found) return { exists: false };
  return { exists: true, ours: isOurs(found.state.comment, desired.comment), state: found.state };
}

/** Ours: the owner comment this plan writes (same repository and environment), or any of ours if none. */
function isOurs(comment: string | null, desiredComment: string | null): boolean {
  if (comment === null) return false;
  return desiredComment ? comment === desiredComment : comment.startsWith(OWNER_PREFIX);
}

function conflicts(a: RecordType, b: RecordType): boolean {
  return (a === "CNAME") !== (b === "CNAME");
}

function body(d: DnsRecordState) {
  const common = {
    name: d.name,
    content: d.content,
    proxied: d.proxied,
    ttl: d.ttl,
    comment: d.comment ?? "",
  };
  // The SDK's params are a union discriminated by `type`; spell each literal out.
  if (d.type === "A") return { ...common, type: "A" as const };
  if (d.type === "AAAA") return { ...common, type: "AAAA" as const };
  return { ...common, type: "CNAME" as const };
}

function desiredOf(step: Step): DnsRecordState {
  const d = step.desired as Partial<DnsRecordState> | null;
  if (
    !d ||
    typeof d.zone !== "string" ||
    typeof d.name !== "string" ||
    typeof d.content !== "string" ||
    typeof d.type !== "string" ||
    !RECORD_TYPES.includes(d.type)
  ) {
    throw new ProviderError({
      provider: "cloudflare",
      reason: "bad-step",
      message: `step ${step.id}: desired must name zone, name, type (A, AAAA or CNAME) and content`,
    });
  }
  return {
    zone: d.zone,
    name: d.name.toLowerCase().replace(/\.$/, ""),
    type: d.type,
    content: d.content,
    proxied: d.proxied ?? false,
    ttl: d.ttl ?? 1,
    comment: d.comment ?? null,
  };
}

/** Connection lost, timed out, or a 429/5xx the SDK gave up on: the request may or may not have happened. */
function transient(error: unknown): boolean {
  if (error instanceof Cloudflare.APIConnectionError) return true;
  return error instanceof Cloudflare.APIError && (error.status === 429 || (error.status ?? 0) >= 500);
}

function uncheckedReason(error: unknown): string {
  if (error instanceof ProviderError && error.cause instanceof Cloudflare.APIError) error = error.cause;
  if (error instanceof Cloudflare.APIError && error.status === 403) {
    return "the token lacks Zone Settings Read (403)";
  }
  if (error instanceof Cloudflare.APIError) {
    const codes = error.errors.map((e) => e.code).join(", ");
    return `HTTP ${error.status ?? "connection"}${codes ? `, code ${codes}` : ""}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function mayHaveHappened(error: unknown): boolean {
  if (transient(error)) return true;
  return (
    error instanceof Cloudflare.APIError &&
    error.errors.some((e) => [IDENTICAL, CNAME_EXISTS, ADDRESS_BESIDE_CNAME].includes(e.code ?? 0))
  );
}

function wrap(error: unknown): unknown {
  if (error instanceof ProviderError || !(error instanceof Cloudflare.APIError)) return error;
  const codes = error.errors.map((e) => e.code);
  return new ProviderError({
    provider: "cloudflare",
    reason: codes.length > 0 ? String(codes[0]) : `http-${error.status ?? "connection"}`,
    message: error.message,
    cause: error,
  });
}
