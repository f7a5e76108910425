// Dokploy's tRPC-as-REST over undici: `GET {url}/api/<router>.<procedure>?<input>` for queries, `POST` with a
// JSON body for mutations, `x-api-key` on both. Success bodies are the raw return value; `application.deploy`
// answers 200 with an empty body, so a body is parsed only when there is one.
import { request } from "undici";

export class DokployHttpError extends Error {
  readonly status: number;
  readonly procedure: string;
  /** Dokploy's tRPC code (`NOT_FOUND`, `BAD_REQUEST`, …) when the body carried one. */
  readonly code: string | undefined;
  /** From `Retry-After` on a 429 or 503, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(options: {
    status: number;
    procedure: string;
    message: string;
    code?: string;
    retryAfterMs?: number;
  }) {
    super(`Dokploy ${options.procedure} answered ${options.status}: ${options.message}`);
    this.name = "DokployHttpError";
    this.status = options.status;
    this.procedure = options.procedure;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface DokployClientOptions {
  /** The Dokploy base URL without `/api` (a trailing `/api` is tolerated). */
  url: string;
  apiKey: string;
  /** Per request, ms. */
  timeoutMs: number;
}

export class DokployClient {
  readonly #base: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;

  constructor(options: DokployClientOptions) {
    this.#base = `${options.url.replace(/\/+$/, "").replace(/\/api$/, "")}/api`;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs;
  }

  /** A query: GET with the input in the query string (Dokploy's zod coerces strings to numbers). */
  async query<T>(procedure: string, input: Record<string, string | number | undefined> = {}): Promise<T> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(input)) if (value !== undefined) query.set(key, String(value));
    const suffix = query.size > 0 ? `?${query}` : "";
    return (await this.#send(procedure, { method: "GET", path: `${procedure}${suffix}` })) as T;
  }

  /** A mutation: POST JSON. Resolves to undefined when Dokploy answers with an empty body. */
  async mutate<T>(procedure: string, body: Record<string, unknown>): Promise<T | undefined> {
    return (await this.#send(procedure, { method: "POST", path: procedure, body: JSON.stringify(body) })) as
      | T
      | undefined;
  }

  async #send(
    procedure: string,
    options: { method: "GET" | "POST"; path: string; body?: string },
  ): Promise<unknown> {
    const headers: Record<string, string> = { "x-api-key": this.#apiKey, accept: "application/json" };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const response = await request(`${this.#base}/${options.path}`, {
      method: options.method,
      headers,
      body: options.body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      if (text.trim() === "") return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        // A 200 that is not JSON is not an answer we can trust; retrying is the safe reading.
        throw new DokployHttpError({ status: 502, procedure, message: "the body is not JSON" });
      }
    }
    throw new DokployHttpError({
      status: response.statusCode,
      procedure,
      message: errorMessage(text),
      code: errorCode(text),
      retryAfterMs: retryAfter(response.headers["retry-after"]),
    });
  }
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(text: string): string {
  const message = parsed(text)?.message;
  // Dokploy's own messages are short; a proxy's HTML page is not worth quoting whole.
  return typeof message === "string" ? message.slice(0, 300) : text.slice(0, 120) || "(no body)";
}

function errorCode(text: string): string | undefined {
  const code = parsed(text)?.code;
  return typeof code === "string" ? code : undefined;
}

function retryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const PERMANENT_UNDICI = new Set([
  "UND_ERR_INVALID_ARG",
  "UND_ERR_INVALID_RETURN_VALUE",
  "UND_ERR_NOT_SUPPORTED",
]);

/**
 * Whether a failed request may succeed when tried again: 429, 5xx, a timeout, or the connection lost. Any of
 * these may also have been committed by Dokploy before the answer was lost, so a write is found before redone.
 */
export function transient(error: unknown): boolean {
  if (error instanceof DokployHttpError) return error.status === 429 || error.status >= 500;
  if (!(error instanceof Error)) return false;
  if (error.name === "AbortError" || error.name === "TimeoutError") return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return false;
  if (code.startsWith("UND_ERR_")) return !PERMANENT_UNDICI.has(code);
  return ["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ECONNABORTED", "EAI_AGAIN"].includes(code);
}
