// The sample app (src/sandbox/sample-app) as the lab's stand-in for any deployed image: run with this Node
// (24, which has node:sqlite for when better-sqlite3 cannot load), its database in a directory of the caller's.
import { fileURLToPath } from "node:url";

export const SAMPLE_APP_SERVER = fileURLToPath(new URL("../sample-app/src/server.js", import.meta.url));

export function sampleAppImage(options: { dataDir: string }): (dockerImage: string) => {
  cwd: string;
  command: string[];
} {
  return () => ({ cwd: options.dataDir, command: [process.execPath, SAMPLE_APP_SERVER] });
}
