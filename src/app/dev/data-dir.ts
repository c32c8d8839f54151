import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SchedError } from "../../core/errors.js";

/** The folder `sched dev` keeps its database in, held by this process. */
export interface DevDataDir {
  path: string;
  postgresDir: string;
  release(): Promise<void>;
}

/**
 * Claims the folder with a pid file. PGlite takes no lock of its own, and two
 * processes writing one data directory would corrupt it. `reset` deletes only
 * the database folder inside, never anything else a mistyped path points at.
 */
export async function claimDataDir(path: string, { reset }: { reset: boolean }): Promise<DevDataDir> {
  const folder = resolve(path);
  const pidFile = join(folder, "sched-dev.pid");
  const postgresDir = join(folder, "postgres");
  await mkdir(folder, { recursive: true });
  await takePidFile(pidFile, folder);
  if (reset) await rm(postgresDir, { recursive: true, force: true });
  return {
    path: folder,
    postgresDir,
    release: () => rm(pidFile, { force: true }),
  };
}

async function takePidFile(pidFile: string, folder: string): Promise<void> {
  try {
    await writeFile(pidFile, `${process.pid}\n`, { flag: "wx" });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = Number.parseInt(await readFile(pidFile, "utf8"), 10);
  if (isRunning(holder)) {
    throw new SchedError("failed", `another sched dev (pid ${holder}) is using ${folder}: stop it, or choose another --data-dir`);
  }
  // Left behind by a process that was killed: the folder is free.
  await writeFile(pidFile, `${process.pid}\n`);
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
