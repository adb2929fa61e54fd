/**
 * When a container's last command really ran: a `date` run right after it shares its cache fate
 * (the engine replays both from its cache, or runs both), so its output tells work done in this
 * call from a result the engine replayed from an earlier one. Pure: the container is anything
 * that can run one more command and give its output (Dagger's Container in the shell).
 */

/** What ranAt needs of a container: one more command, and that command's standard output. */
export interface CommandRunner {
  /** The container with `argv` run after its last command. */
  withExec(argv: string[]): { stdout(): Promise<string> };
}

/**
 * Unix seconds at which `ctr`'s last command ran (needs `date` in the image); NaN when unreadable.
 *
 * @param ctr The container whose last command is asked about.
 */
export async function ranAt(ctr: CommandRunner): Promise<number> {
  try {
    return Number((await ctr.withExec(["date", "+%s"]).stdout()).trim());
  } catch {
    return Number.NaN;
  }
}
