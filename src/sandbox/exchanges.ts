// The exchange log every twin keeps: one record per request, with what broke the provider's description.
// The test harnesses turn it into the suite's validated/total figures.
import type { FaultKind } from "./faults.ts";

export interface Exchange {
  operationId: string | null;
  method: string;
  path: string;
  status: number;
  violations: string[];
  /** Who called: a login, a token id, an organisation: whatever the provider authenticates. */
  caller?: string;
  /** An injected fault served instead of (or, for `lost-response`, after applying) the real answer. */
  fault?: FaultKind;
}

export interface ExchangeSummary {
  validated: number;
  total: number;
  violations: Exchange[];
}

export function summarizeExchanges(exchanges: Exchange[]): ExchangeSummary {
  const violations = exchanges.filter((e) => e.violations.length > 0);
  return { validated: exchanges.length - violations.length, total: exchanges.length, violations };
}
