// One module per command, loaded only when that command runs.
import type { RunContext } from "./run-context.ts";

export async function runCommand(ctx: RunContext): Promise<boolean> {
  switch (ctx.command) {
    case "plan":
      return (await import("./plan.ts")).plan(ctx);
    case "apply":
      return (await import("./apply.ts")).apply(ctx);
    case "verify":
      return (await import("./verify.ts")).verify(ctx);
    case "logs":
      return (await import("./logs.ts")).logs(ctx);
    case "doctor":
      return (await import("./doctor.ts")).doctor(ctx);
  }
}
