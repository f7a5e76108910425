// JSON Schemas for editors, generated from the zod schemas (the single source of truth). The onboarding PR
// writes them next to the config files, and the config files point at them.
import { z } from "zod";
import { deployConfigSchema, policySchema } from "./schema.ts";

export function deployJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(deployConfigSchema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
}

export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(policySchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}

export const DEPLOY_SCHEMA_PATH = ".devops/deploy.schema.json";
export const POLICY_SCHEMA_PATH = ".devops/policy.schema.json";
