// The Action's side of the run bridge: one authenticated POST per call. The audience of the ID token is the
// App's origin, so a token minted for the App is useless to anyone else and one minted for anyone else is
// useless here. Every answer is validated before it is believed.
import type { z } from "zod";
import {
  BRIDGE_PATHS,
  type DoctorRequest,
  type DoctorResponse,
  describeIssue,
  doctorResponseSchema,
  errorResponseSchema,
  type PlanReportRequest,
  type PlanReportResponse,
  type ProgressRequest,
  type ProgressResponse,
  planReportResponseSchema,
  progressResponseSchema,
  type TokenRequest,
  type TokenResponse,
  tokenResponseSchema,
} from "./protocol.ts";

export { type Coalesced, type CoalesceTimer, coalesce } from "./coalesce.ts";

export class BridgeError extends Error {
  /** The App's HTTP status; 0 when the App could not be reached or answered nonsense. */
  readonly status: number;

  constructor(options: { status: number; message: string; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = "BridgeError";
    this.status = options.status;
  }
}

export interface BridgeClient {
  reportPlan(body: PlanReportRequest): Promise<PlanReportResponse>;
  progress(body: ProgressRequest): Promise<ProgressResponse>;
  token(body: TokenRequest): Promise<TokenResponse>;
  /** Where the provider secrets live, which the job token cannot see; changes nothing. */
  doctor(body: DoctorRequest): Promise<DoctorResponse>;
}

export function createBridgeClient(options: {
  appUrl: string;
  /** @actions/core's getIDToken on a runner. */
  getIdToken: (audience: string) => Promise<string>;
  fetch?: typeof globalThis.fetch;
}): BridgeClient {
  const base = new URL(options.appUrl);
  const audience = base.origin;
  const doFetch = options.fetch ?? globalThis.fetch;

  async function post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const idToken = await options.getIdToken(audience);
    const url = new URL(path, base);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${idToken}`,
          "content-type": "application/json",
          accept: "application/json",
        },
        body: JSON.stringify(body),
        redirect: "error",
      });
    } catch (error) {
      throw new BridgeError({
        status: 0,
        message: `the App at ${audience} could not be reached for ${path}: ${(error as Error).message}`,
        cause: error,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const parsed = errorResponseSchema.safeParse(json);
      const message = parsed.success ? parsed.data.message : `HTTP ${response.status}`;
      throw new BridgeError({ status: response.status, message: `the App refused ${path}: ${message}` });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new BridgeError({
        status: 0,
        message: `the App answered ${path} with an unexpected body (${describeIssue(parsed.error)})`,
      });
    }
    return parsed.data;
  }

  return {
    reportPlan: (body) => post(BRIDGE_PATHS.planReport, body, planReportResponseSchema),
    progress: (body) => post(BRIDGE_PATHS.progress, body, progressResponseSchema),
    token: (body) => post(BRIDGE_PATHS.token, body, tokenResponseSchema),
    doctor: (body) => post(BRIDGE_PATHS.doctor, body, doctorResponseSchema),
  };
}
