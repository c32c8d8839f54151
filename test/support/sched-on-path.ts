import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root: npm scripts and `npx buf` run from here. */
export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A folder holding `sched` as `npm link` installs it (a symlink to
 * bin/sched.js, run by its shebang), so commands run exactly as a user types
 * them, without touching the machine's global npm prefix.
 */
export interface SchedOnPath {
  /** PATH with the folder first, then Node's own and the inherited one. */
  path: string;
  remove(): void;
}

export function schedOnPath(): SchedOnPath {
  const folder = mkdtempSync(join(tmpdir(), "sched-bin-"));
  symlinkSync(join(repositoryRoot, "bin", "sched.js"), join(folder, "sched"));
  return {
    path: [folder, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}
