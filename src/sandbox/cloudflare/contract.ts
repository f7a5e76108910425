// Cloudflare's own description (cloudflare/api-schemas, 2024-08-06 subset, copied verbatim into spec/), read
// through the shared OpenApiContract. Three places where the description contradicts the API it describes are
// adjusted here, in code, each named, so the copied file stays byte-identical to upstream:
// 1. The DNS-record 4xx responses are `allOf(success-shape, failure)`, which no body can satisfy (`success`
//    is `enum [true]` in one and `[false]` in the other). PROVIDERS.md: validate failures against the failure part.
// 2. `dns-records_dns-record` (the POST/PUT/PATCH body) lists the server-assigned `id`, `proxiable`,
//    `created_on` and `modified_on` as required; no client can send them. The request side drops them;
//    responses are still held to them.
// 3. DELETE declares a required JSON body; Cloudflare and its SDK send none (PROVIDERS.md "Gotchas").
// The zone `ssl` setting is not in that subset: spec/openapi.zone-settings-ssl.transcribed.json (transcribed from
// the SDK's types, see spec/PROVENANCE.md) is merged in, its paths and schemas added beside upstream's.
import { readFileSync } from "node:fs";
import { OpenApiContract } from "../openapi-contract.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SERVER_ASSIGNED = new Set(["id", "proxiable", "created_on", "modified_on"]);

export interface CloudflareContract {
  /** Request bodies and parameters. */
  request: OpenApiContract;
  /** Responses, with the failure-part rule applied. */
  response: OpenApiContract;
}

let shared: CloudflareContract | undefined;

const readSpec = (file: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`./spec/${file}`, import.meta.url), "utf8")) as JsonObject;

export function loadCloudflareSpec(): JsonObject {
  const spec = readSpec("openapi.dns-zones.2024-08-06.subset.json");
  const settings = readSpec("openapi.zone-settings-ssl.transcribed.json");
  const schemas = (spec.components as JsonObject).schemas as JsonObject;
  const added = (settings.components as JsonObject).schemas as JsonObject;
  for (const [name, schema] of Object.entries(added)) {
    if (name in schemas) throw new Error(`zone settings fragment redefines ${name}`);
    schemas[name] = schema;
  }
  Object.assign(spec.paths as JsonObject, settings.paths);
  return spec;
}

/** Compiled once per process. */
export function cloudflareContract(): CloudflareContract {
  if (shared) return shared;
  const response = failuresAgainstFailurePart(loadCloudflareSpec());
  const request = structuredClone(response);
  const schemas = (request.components as JsonObject).schemas as JsonObject;
  const record = schemas["dns-records_dns-record"] as JsonObject;
  record.required = (record.required as string[]).filter((name) => !SERVER_ASSIGNED.has(name));
  for (const item of Object.values(request.paths as JsonObject)) {
    const del = (item as JsonObject).delete as JsonObject | undefined;
    const body = del?.requestBody as JsonObject | undefined;
    if (body) body.required = false;
  }
  shared = { request: new OpenApiContract(request), response: new OpenApiContract(response) };
  return shared;
}

function failuresAgainstFailurePart(spec: JsonObject): JsonObject {
  for (const item of Object.values(spec.paths as JsonObject)) {
    for (const operation of Object.values(item as JsonObject)) {
      const responses = (operation as JsonObject)?.responses as JsonObject | undefined;
      for (const [status, declared] of Object.entries(responses ?? {})) {
        if (!/^4xx$/i.test(status)) continue;
        const json = ((declared as JsonObject).content as JsonObject | undefined)?.["application/json"] as
          | JsonObject
          | undefined;
        const parts = (json?.schema as JsonObject | undefined)?.allOf as JsonObject[] | undefined;
        const failure = parts?.find((p) => String(p.$ref ?? "").endsWith("api-response-common-failure"));
        if (json && failure) json.schema = failure;
      }
    }
  }
  return spec;
}
