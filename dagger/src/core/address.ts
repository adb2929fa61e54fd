/**
 * Where a credential may travel over plain http: one rule for the whole module (git tokens, the
 * forge API token, the webhook URL). Loopback and private-network IP literals only — a relay or
 * test server on the same machine or the same private network (an engine's bridge). Host names
 * are never trusted for it: a name can resolve anywhere.
 */
import { isIP } from "node:net";

/** True for loopback and private-network IP literals (and localhost): where plain http is tolerated. */
export function isLocalAddress(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost") return true;
  if (isIP(h) === 4) {
    const [a, b] = h.split(".").map(Number) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (isIP(h) === 6) return h === "::1" || /^f[cd][0-9a-f]{2}:/.test(h);
  return false;
}

/**
 * True for the cloud instance-metadata endpoints (link-local 169.254.0.0/16 and fe80::/10, AWS's
 * fd00:ec2::254, Alibaba's 100.100.100.200, metadata.google.internal): a URL the pipeline
 * requests must not point there (they hand out the machine's own credentials).
 */
export function isMetadataAddress(hostname: string): boolean {
  const h = hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (h === "metadata.google.internal" || h === "metadata" || h === "100.100.100.200") return true;
  if (isIP(h) === 4) return h.startsWith("169.254.");
  if (isIP(h) === 6) return /^fe[89ab][0-9a-f]:/.test(h) || h === "fd00:ec2::254";
  return false;
}
