/**
 * When a container's last command really ran: a `date` run right after it shares its cache fate
 * (the engine replays both from its cache, or runs both), so its output tells work done in this
 * call from a result the engine replayed from an earlier one.
 */
import type { Container } from "@dagger.io/dagger";

/** Unix seconds at which `ctr`'s last command ran (needs `date` in the image); NaN when unreadable. */
export async function ranAt(ctr: Container): Promise<number> {
  try {
    return Number((await ctr.withExec(["date", "+%s"]).stdout()).trim());
  } catch {
    return Number.NaN;
  }
}
