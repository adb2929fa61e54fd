/**
 * A small SVG bar chart of deploys and failed deploys over the window, written by hand (no
 * dependency): one bar per bucket of days, the failed part in red. Every text is XML-escaped.
 */
import type { MetricsReport } from "./report.js";

/** Text made safe for an SVG text node or attribute value. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/** Most bars drawn: longer windows group more days into a bar. */
export const MAX_BARS = 60;

/** Deploys and failures per bucket of `bucketDays` days, from the window's start. */
export function buckets(r: MetricsReport): { bucketDays: number; bars: { start: number; deploys: number; failed: number }[] } {
  const since = Date.parse(r.window.since) / 1000;
  const until = Date.parse(r.window.until) / 1000;
  const days = Math.max(1, Math.ceil((until - since) / 86_400));
  const bucketDays = Math.max(1, Math.ceil(days / MAX_BARS));
  const n = Math.ceil(days / bucketDays);
  const bars = Array.from({ length: n }, (_, i) => ({ start: since + i * bucketDays * 86_400, deploys: 0, failed: 0 }));
  for (const d of r.deploys) {
    // (since, until]: a deploy at exactly a bucket's start belongs to the bucket before.
    const i = Math.min(n - 1, Math.max(0, Math.ceil((d.time - since) / (bucketDays * 86_400)) - 1));
    bars[i]!.deploys++;
    if (d.failed) bars[i]!.failed++;
  }
  return { bucketDays, bars };
}

/** The chart as an SVG document. */
export function metricsChart(r: MetricsReport, title = "Deploys and failed deploys"): string {
  const W = 640;
  const H = 220;
  const left = 40;
  const top = 30;
  const plotW = W - left - 10;
  const plotH = H - top - 40;
  const { bucketDays, bars } = buckets(r);
  const max = Math.max(1, ...bars.map((b) => b.deploys));
  const bw = plotW / bars.length;
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const num = (v: number): string => String(Math.round(v * 100) / 100);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xmlEscape(title)}">`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${left}" y="18" font-family="sans-serif" font-size="13" fill="#222">${xmlEscape(title)} (${bucketDays === 1 ? "per day" : `per ${bucketDays} days`})</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#888"/>`,
    `<text x="${left - 4}" y="${top + 4}" font-family="sans-serif" font-size="10" text-anchor="end" fill="#444">${max}</text>`,
    `<text x="${left - 4}" y="${top + plotH}" font-family="sans-serif" font-size="10" text-anchor="end" fill="#444">0</text>`,
  ];
  bars.forEach((b, i) => {
    const x = num(left + i * bw + bw * 0.1);
    const w = num(Math.max(1, bw * 0.8));
    const day = new Date(b.start * 1000).toISOString().slice(0, 10);
    if (b.deploys > 0) {
      out.push(
        `<rect x="${x}" y="${num(y(b.deploys))}" width="${w}" height="${num(top + plotH - y(b.deploys))}" fill="#4c78a8"><title>${xmlEscape(`${day}: ${b.deploys} deploy(s), ${b.failed} failed`)}</title></rect>`,
      );
    }
    if (b.failed > 0) out.push(`<rect x="${x}" y="${num(y(b.failed))}" width="${w}" height="${num(top + plotH - y(b.failed))}" fill="#e45756"/>`);
  });
  const label = (s: string): string => xmlEscape(s.slice(0, 10));
  out.push(
    `<text x="${left}" y="${top + plotH + 14}" font-family="sans-serif" font-size="10" fill="#444">${label(r.window.since)}</text>`,
    `<text x="${left + plotW}" y="${top + plotH + 14}" font-family="sans-serif" font-size="10" text-anchor="end" fill="#444">${label(r.window.until)}</text>`,
    `<rect x="${left}" y="${H - 16}" width="10" height="10" fill="#4c78a8"/>`,
    `<text x="${left + 14}" y="${H - 7}" font-family="sans-serif" font-size="10" fill="#444">deploys</text>`,
    `<rect x="${left + 70}" y="${H - 16}" width="10" height="10" fill="#e45756"/>`,
    `<text x="${left + 84}" y="${H - 7}" font-family="sans-serif" font-size="10" fill="#444">failed (rolled back or fixed)</text>`,
    "</svg>",
  );
  return out.join("\n") + "\n";
}
