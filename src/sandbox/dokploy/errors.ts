// tRPC errors as Dokploy raises them, and the HTTP status trpc-openapi maps each code to (PROVIDERS.md §1 line 12).
/** A tRPC error as Dokploy raises it; turned into `{message, code, data}` with the code's status. */
export class TrpcError extends Error {
  readonly code: TrpcCode;
  readonly issues: { message: string }[] | undefined;
  constructor(code: TrpcCode, message: string, issues?: { message: string }[]) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

export type TrpcCode =
  | "BAD_REQUEST"
  | "PARSE_ERROR"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INTERNAL_SERVER_ERROR";

export const STATUS: Record<TrpcCode, number> = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
};
