// Validates every exchange a twin takes part in against the provider's own OpenAPI description, with Ajv.
// Fail-closed: an exchange that matches no operation, or a status the description does not list, is a violation.
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface MatchedOperation {
  operationId: string;
  method: string;
  template: string;
  params: Record<string, string>;
}

interface Route {
  operationId: string;
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  literalSegments: number;
  operation: JsonObject;
}

const SPEC_ID = "spec";

export class OpenApiContract {
  readonly #routes: Route[] = [];
  readonly #byOperation = new Map<string, Route>();
  readonly #ajv: Ajv;
  readonly #coercingAjv: Ajv;
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #spec: JsonObject;
  readonly #undocumentedErrorSchema: string | undefined;

  /**
   * `undocumentedErrorSchema`: a component schema (e.g. GitHub's `basic-error`) that a 4xx response is held to
   * when the operation does not list that status. GitHub answers 401/403/404/409/422 on endpoints whose
   * description lists only the success (checks/update, secrets, variables); without it no error could be served.
   */
  constructor(spec: JsonObject, options: { greedyParams?: string[]; undocumentedErrorSchema?: string } = {}) {
    this.#spec = rewriteRefs(spec) as JsonObject;
    this.#undocumentedErrorSchema = options.undocumentedErrorSchema;
    const greedy = new Set(options.greedyParams ?? []);
    for (const [template, item] of Object.entries(this.#spec.paths as JsonObject)) {
      for (const [method, operation] of Object.entries(item as JsonObject)) {
        const op = operation as JsonObject;
        if (typeof op?.operationId !== "string") continue;
        const names: string[] = [];
        const pattern = template
          .split("/")
          .map((segment) =>
            segment.replace(/\{([^}]+)\}|[^{}]+/g, (whole, name: string | undefined) => {
              if (name === undefined) return whole.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
              names.push(name);
              return greedy.has(name) ? "(.*)" : "([^/]+)";
            }),
          )
          .join("/");
        const route: Route = {
          operationId: op.operationId,
          method: method.toUpperCase(),
          template,
          regex: new RegExp(`^${pattern}$`),
          names,
          literalSegments: template.split("/").filter((s) => s && !s.includes("{")).length,
          operation: op,
        };
        this.#routes.push(route);
        this.#byOperation.set(route.operationId, route);
      }
    }
    // Most literal segments first, so /commits/{ref}/check-runs wins over a greedy /commits/{ref}.
    this.#routes.sort((a, b) => b.literalSegments - a.literalSegments);
    const common = { strict: false, allErrors: true, discriminator: false, validateFormats: true } as const;
    this.#ajv = new Ajv({ ...common });
    this.#coercingAjv = new Ajv({ ...common, coerceTypes: "array" });
    for (const ajv of [this.#ajv, this.#coercingAjv]) {
      addFormats(ajv);
      // Formats GitHub's description uses beyond JSON Schema's: "owner/name", 64-bit ids, Unix timestamps.
      ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);
      // GitHub sends bots' noreply addresses with brackets in the local part
      // (`41898282+github-actions[bot]@users.noreply.github.com`), which RFC 5322's dot-atom would refuse.
      ajv.addFormat("email", /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
      ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
      ajv.addFormat("timestamp", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= 0 });
      ajv.addSchema({ $id: SPEC_ID, components: this.#spec.components }, SPEC_ID);
    }
  }

  get operationIds(): string[] {
    return [...this.#byOperation.keys()];
  }

  match(method: string, pathname: string): MatchedOperation | undefined {
    for (const route of this.#routes) {
      if (route.method !== method.toUpperCase()) continue;
      const found = route.regex.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1] ?? "");
      });
      return { operationId: route.operationId, method: route.method, template: route.template, params };
    }
    return undefined;
  }

  /** Path and query parameters and the JSON body; returns human-readable violations. */
  validateRequest(
    operationId: string,
    input: { params: Record<string, string>; query: URLSearchParams; body: unknown; hasBody: boolean },
  ): string[] {
    const route = this.#route(operationId);
    const problems: string[] = [];
    for (const param of this.#parameters(route)) {
      const where = param.in as string;
      const name = param.name as string;
      if (where !== "path" && where !== "query") continue;
      const raw = where === "path" ? input.params[name] : (input.query.get(name) ?? undefined);
      if (raw === undefined) {
        if (param.required === true) problems.push(`${where} parameter '${name}' is required`);
        continue;
      }
      const validate = this.#compile(`${operationId} ${where} ${name}`, param.schema ?? {}, true);
      const holder = { value: raw as unknown };
      if (!validate(holder.value)) problems.push(...describe(`${where} parameter '${name}'`, validate));
    }
    const requestBody = this.#resolve(route.operation.requestBody) as JsonObject | undefined;
    if (requestBody) {
      const schema = (
        (requestBody.content as JsonObject | undefined)?.["application/json"] as JsonObject | undefined
      )?.schema;
      if (!input.hasBody) {
        if (requestBody.required === true) problems.push("request body is required");
      } else if (schema !== undefined) {
        const validate = this.#compile(`${operationId} request`, schema, false);
        if (!validate(input.body)) problems.push(...describe("request body", validate));
      }
    }
    return problems;
  }

  validateResponse(
    operationId: string,
    status: number,
    body: unknown,
    contentType: string | undefined,
  ): string[] {
    const route = this.#route(operationId);
    const responses = route.operation.responses as JsonObject;
    // OpenAPI 3 range keys ("4XX"; Cloudflare also writes "4xx") stand for every status in the class.
    const range = `${String(status)[0]}XX`;
    const declared =
      responses[String(status)] ?? responses[range] ?? responses[range.toLowerCase()] ?? responses.default;
    if (declared === undefined && this.#undocumentedErrorSchema && status >= 400 && status < 500) {
      const validate = this.#compile(
        `error ${this.#undocumentedErrorSchema}`,
        { $ref: `${SPEC_ID}#/components/schemas/${this.#undocumentedErrorSchema}` },
        false,
      );
      if (contentType?.startsWith("application/json") !== true)
        return [`undocumented status ${status} of ${operationId} must be a JSON error`];
      return validate(body) ? [] : describe(`response ${status}`, validate);
    }
    if (declared === undefined) {
      return [
        `status ${status} is not a documented response of ${operationId} (documented: ${Object.keys(responses).join(", ")})`,
      ];
    }
    const response = this.#resolve(declared) as JsonObject;
    const content = response.content as JsonObject | undefined;
    if (!content) {
      return body === undefined || body === ""
        ? []
        : [`status ${status} of ${operationId} documents no body, but one was sent`];
    }
    const custom = /^application\/vnd\.github(?:\.v3)?\.(\w+)/.exec(contentType ?? "")?.[1];
    if (custom && custom !== "object" && !content[`application/vnd.github.${custom}`]) {
      // GitHub's custom media types (raw, html) are documented in the operation's prose, not as content
      // entries; such a body is the file itself, so only the status and the documented media type are checked.
      const documented = new RegExp(`application/vnd\\.github\\.${custom}\\+json`).test(
        String(route.operation.description ?? ""),
      );
      return documented ? [] : [`${operationId} does not document the custom media type ${contentType}`];
    }
    const json = content["application/json"] as JsonObject | undefined;
    if (!json) {
      // A non-JSON documented body (e.g. a redirect or a binary): we check only that the content type is one listed.
      const types = Object.keys(content);
      if (contentType && types.some((t) => contentType.startsWith(t))) return [];
      return [
        `status ${status} of ${operationId} documents ${types.join(", ")}, got ${contentType ?? "no content type"}`,
      ];
    }
    if (json.schema === undefined) return [];
    const validate = this.#compile(`${operationId} ${status}`, json.schema, false);
    return validate(body) ? [] : describe(`response ${status}`, validate);
  }

  #route(operationId: string): Route {
    const route = this.#byOperation.get(operationId);
    if (!route) throw new Error(`operation ${operationId} is not in the description`);
    return route;
  }

  #parameters(route: Route): JsonObject[] {
    const list = (route.operation.parameters as Json[] | undefined) ?? [];
    return list.map((p) => this.#resolve(p) as JsonObject);
  }

  /** Follows a local `spec#/components/...` reference (parameters, responses, request bodies). */
  #resolve(value: Json | undefined): Json | undefined {
    let current = value;
    for (let hops = 0; hops < 10; hops++) {
      const ref = (current as JsonObject | undefined)?.$ref;
      if (typeof ref !== "string") return current;
      const pointer = ref.slice(ref.indexOf("#") + 2).split("/");
      let target: Json | undefined = this.#spec;
      for (const key of pointer) target = (target as JsonObject | undefined)?.[key];
      current = target;
    }
    throw new Error(`reference loop at ${JSON.stringify(value)}`);
  }

  #compile(key: string, schema: Json, coerce: boolean): ValidateFunction {
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = (coerce ? this.#coercingAjv : this.#ajv).compile(schema as object);
      this.#validators.set(key, validate);
    }
    return validate;
  }
}

function describe(where: string, validate: ValidateFunction): string[] {
  return (validate.errors ?? [])
    .slice(0, 8)
    .map(
      (e) =>
        `${where}${e.instancePath || ""} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`,
    );
}

/**
 * Prepares an OpenAPI 3.0 description for Ajv: local refs point into the registered spec, and 3.0's
 * `nullable: true` becomes JSON Schema's null type (Ajv rejects `nullable` beside `$ref` or `allOf`).
 * `oneOf` is read as `anyOf`: GitHub's alternatives overlap (basic-error and repository-rule-violation-error
 * both accept `{message, documentation_url}`), so "exactly one" would reject GitHub's own answers.
 */
function rewriteRefs(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k === "oneOf" ? "anyOf" : k;
    out[key] =
      k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${SPEC_ID}${v}` : rewriteRefs(v);
  }
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === "string" && out.$ref === undefined) {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}
