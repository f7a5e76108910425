// Replays GitHub's own recorded exchanges (@octokit/fixtures: real requests to api.github.com, normalized) against
// the twin, request by request, and compares status and response shape. Ids, SHAs and URLs differ by nature;
// keys and JSON types must not.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type GithubTwin, githubContract } from "../../src/sandbox/github/twin.ts";

const require = createRequire(import.meta.url);
const SCENARIOS_DIR = join(
  dirname(require.resolve("@octokit/fixtures/package.json")),
  "scenarios",
  "api.github.com",
);
const RECORDED_ORIGIN = "https://api.github.com";

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  reqheaders: Record<string, string | number>;
  headers: Record<string, string>;
  response: unknown;
}

export interface Scenario {
  name: string;
  requests: RecordedRequest[];
}

export function loadScenarios(): Scenario[] {
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      requests: JSON.parse(
        readFileSync(join(SCENARIOS_DIR, name, "normalized-fixture.json"), "utf8"),
      ) as RecordedRequest[],
    }));
}

export interface Classification {
  /** Every request maps to an operation the twin implements. */
  qualifies: boolean;
  /** Per request: the operationId, `page of <op>` for a Link-header follow-up, or null. */
  operations: (string | null)[];
  /** The requests that match no implemented operation, as `METHOD path`. */
  unimplemented: string[];
}

/**
 * Decides by the twin's own routing: the path as the twin canonicalises it (legacy paths GitHub still serves),
 * matched against the twin's contract (the operations it implements). A request whose URL GitHub handed out in
 * an earlier response's Link header is a further page of that earlier request's operation.
 */
export function classify(twin: GithubTwin, scenario: Scenario): Classification {
  const operations: (string | null)[] = [];
  const linked = new Map<string, string>();
  scenario.requests.forEach((request, i) => {
    const url = `${RECORDED_ORIGIN}${request.path}`;
    const op = linked.get(url)
      ? `page of ${linked.get(url)}`
      : operationOf(twin, request.method, request.path);
    operations.push(op);
    for (const link of Object.values(parseLinks(request.headers.link)))
      linked.set(link, op?.replace(/^page of /, "") ?? "?");
    void i;
  });
  const unimplemented = scenario.requests
    .filter((_, i) => operations[i] === null)
    .map((r) => `${r.method.toUpperCase()} ${r.path.split("?")[0]}`);
  return { qualifies: unimplemented.length === 0, operations, unimplemented };
}

function operationOf(twin: GithubTwin, method: string, path: string): string | null {
  const pathname = new URL(path, RECORDED_ORIGIN).pathname;
  const canonical = twin.canonicalPath(method, pathname);
  const contract = githubContract();
  const found =
    contract.match(method, canonical) ?? contract.match(method, canonical.replace(/\/+$/, "") || "/");
  return found?.operationId ?? null;
}

/** `<url>; rel="next", …` → { next: url, … } */
export function parseLinks(header: string | null | undefined): Record<string, string> {
  const links: Record<string, string> = {};
  for (const part of (header ?? "").split(",")) {
    const found = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (found?.[1] && found[2]) links[found[2]] = found[1];
  }
  return links;
}

export interface StepResult {
  method: string;
  path: string;
  recordedStatus: number;
  status: number;
  problems: string[];
}

/**
 * Sends each recorded request, in order, to the twin: same method, headers that matter (accept, content type,
 * the recorded token) and body. Recorded ids and SHAs in paths and bodies are swapped for the twin's, learned
 * from earlier responses (and from `substitutions`, the scenario's precondition); a URL GitHub gave in a Link
 * header is replaced by the twin's URL for the same rel, so pagination is walked by the twin's own links.
 */
export async function replay(
  twin: GithubTwin,
  scenario: Scenario,
  options: { substitutions?: Record<string, string> } = {},
): Promise<StepResult[]> {
  const values = new Map(Object.entries(options.substitutions ?? {}));
  const links = new Map<string, string>();
  const results: StepResult[] = [];
  for (const recorded of scenario.requests) {
    const recordedUrl = `${RECORDED_ORIGIN}${recorded.path}`;
    const url =
      links.get(recordedUrl) ??
      `${twin.url}${recorded.path
        .split("/")
        .map((segment) => values.get(segment) ?? segment)
        .join("/")}`;
    const headers: Record<string, string> = {};
    for (const name of ["accept", "authorization", "content-type"]) {
      const value = recorded.reqheaders[name];
      if (value !== undefined) headers[name] = String(value);
    }
    const hasBody = recorded.body !== "" && recorded.body !== undefined;
    const response = await fetch(url, {
      method: recorded.method.toUpperCase(),
      headers,
      body: hasBody ? JSON.stringify(substitute(recorded.body, values)) : undefined,
    });
    const text = await response.text();
    const contentType = response.headers.get("content-type") ?? "";
    const actual: unknown = contentType.includes("json") && text !== "" ? JSON.parse(text) : text;
    const problems: string[] = [];
    if (response.status !== recorded.status)
      problems.push(`status ${response.status}, recorded ${recorded.status}`);
    problems.push(...shapeProblems(recorded.response, actual));
    learnValues(recorded.response, actual, values);
    const twinLinks = parseLinks(response.headers.get("link"));
    for (const [rel, recordedLink] of Object.entries(parseLinks(recorded.headers.link))) {
      const mine = twinLinks[rel];
      if (mine) links.set(recordedLink, mine);
      else problems.push(`Link header lacks rel="${rel}"`);
    }
    results.push({
      method: recorded.method.toUpperCase(),
      path: recorded.path,
      recordedStatus: recorded.status,
      status: response.status,
      problems,
    });
  }
  return results;
}

/**
 * The recorded body's shape must be found in the twin's: every recorded key exists with the same JSON type.
 * A recorded null matches any type: the field is nullable and the recording just happened to hold null
 * (GitHub's description says which fields may be null; the contract check holds the twin to that).
 * Arrays compare their first elements' shapes; values (ids, timestamps, URLs) are not compared.
 */
export function shapeProblems(recorded: unknown, actual: unknown, at = "$"): string[] {
  if (recorded === null) return [];
  const kind = jsonType(recorded);
  if (kind !== jsonType(actual)) return [`${at}: ${jsonType(actual)}, recorded ${kind}`];
  if (Array.isArray(recorded)) {
    const list = actual as unknown[];
    if (recorded.length === 0) return [];
    if (list.length === 0) return [`${at}: empty array, recorded ${recorded.length} items`];
    return shapeProblems(recorded[0], list[0], `${at}[0]`);
  }
  if (kind !== "object") return [];
  const object = actual as Record<string, unknown>;
  return Object.entries(recorded as Record<string, unknown>).flatMap(([key, value]) =>
    key in object ? shapeProblems(value, object[key], `${at}.${key}`) : [`${at}.${key}: missing`],
  );
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Recorded id/sha/number → the twin's, walking both bodies in parallel, so later paths can use the twin's. */
function learnValues(recorded: unknown, actual: unknown, values: Map<string, string>): void {
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    recorded.forEach((item, i) => {
      learnValues(item, actual[i], values);
    });
    return;
  }
  if (!recorded || !actual || typeof recorded !== "object" || typeof actual !== "object") return;
  for (const [key, value] of Object.entries(recorded as Record<string, unknown>)) {
    const mine = (actual as Record<string, unknown>)[key];
    if (
      ["id", "sha", "number"].includes(key) &&
      (typeof value === "string" || typeof value === "number") &&
      mine !== undefined
    ) {
      if (!values.has(String(value))) values.set(String(value), String(mine));
    } else learnValues(value, mine, values);
  }
}

function substitute(value: unknown, values: Map<string, string>): unknown {
  if (typeof value === "string") return values.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  }
  return value;
}
