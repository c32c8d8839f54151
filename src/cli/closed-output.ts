/*
 * `sched … | head` or a pager that quits: the reader has what it wanted, and
 * writing more fails with EPIPE. Without a listener Node reports that as an
 * unhandled error with a stack trace; a command-line tool stops quietly
 * instead. Exit code 0, because nothing went wrong for the user, and a shell
 * with `pipefail` would otherwise fail a pipeline that did what it was asked.
 * Any other failure to write stdout is still an error.
 */
export function stopQuietlyWhenOutputCloses(stdout: NodeJS.WriteStream = process.stdout): void {
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
}
