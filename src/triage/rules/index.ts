// The rule set the engine uses by default, in one list.
import type { Rule } from "../types.ts";
import { ACCESS_RULES } from "./access.ts";
import { BUILD_RULES } from "./build.ts";
import { NETWORK_RULES } from "./network.ts";
import { RUNTIME_RULES } from "./runtime.ts";

export const RULES: readonly Rule[] = [...BUILD_RULES, ...RUNTIME_RULES, ...ACCESS_RULES, ...NETWORK_RULES];
