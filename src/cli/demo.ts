// `devops-agent demo`: plays the deploy story on the built-in sandbox and says what happened.
import { parseArgs } from "node:util";
import { type CliIo, UsageError } from "./io.ts";
import type { Command } from "./main.ts";

const USAGE = `Usage: devops-agent demo [--json]

Plays the deploy story on the built-in sandbox, non-interactively: the App is installed, its onboarding pull
request is merged, a writer opens a pull request and asks for /devops deploy, the writer's own /approve is
refused, a maintainer's /approve dispatches the apply run. Everything reported is read back from the sandbox.

Options:
  --json      print one JSON object on the last line: {ok, scenario, thread, dispatches, checks}
  -h, --help  this text`;

export const demoCommand: Command = {
  name: "demo",
  summary: "Play the deploy story on the sandbox and print what happened",
  usage: USAGE,
  async run(argv: string[], io: CliIo) {
    let values: { json?: boolean; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      }));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    const { runDemo } = await import("../sandbox/demo.ts");
    const result = await runDemo({ narrate: values.json ? (line) => io.stderr(line) : io.stdout });
    if (values.json) {
      const { expectations: _, ...shape } = result;
      io.stdout(JSON.stringify({ ...shape, expectations: result.expectations }));
    } else {
      io.stdout("");
      io.stdout("The thread on the pull request:");
      for (const entry of result.thread) {
        const firstLine = entry.body
          .split("\n")
          .find((line) => line.trim() !== "" && !line.startsWith("<!--"));
        io.stdout(`  @${entry.author}: ${firstLine ?? ""}`);
      }
      io.stdout(
        `Dispatched runs: ${result.dispatches.map((d) => `${d.inputs.command ?? "?"} (${d.status})`).join(", ") || "none"}`,
      );
      io.stdout(
        result.ok ? "\nThe story played as expected." : "\nThe story did NOT play as expected (see ✗ above).",
      );
    }
    return result.ok ? 0 : 1;
  },
};
