// Files that must not outlive the process (the spill directory, a partial -o file), removed however it ends:
// at a normal exit, and before Ctrl-C ends it by signal (then no 'exit' event runs). Kept here, apart from the
// command line, so that the engine and the output writers can register what they create.

const tasks = new Set<() => void>();

/** Registers `remove` to run at exit; call the returned function once the file is gone or kept on purpose. */
export function removeAtExit(remove: () => void): () => void {
  tasks.add(remove);
  return () => void tasks.delete(remove);
}

/** Runs every registered removal now (each at most once). */
export function cleanUpNow(): void {
  for (const remove of [...tasks]) {
    tasks.delete(remove);
    try {
      remove();
    } catch {
      // Best effort: the process is ending and has nowhere left to report a failure to.
    }
  }
}

process.on('exit', cleanUpNow);
