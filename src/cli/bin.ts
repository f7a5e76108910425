// The only place that calls process.exit.
import { processIo } from "./io.ts";
import { main } from "./main.ts";

main(process.argv.slice(2), processIo()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `devops-agent: unexpected error (a bug; please report it):\n${(error as Error)?.stack ?? error}\n`,
    );
    process.exit(1);
  },
);
