const DASH = "—";

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 07 min`: precise for short states, readable for long runs. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const totalSeconds = Math.round(s);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** `512 B`, `1.5 KB`, `3.2 MB` (powers of 1024, as file sizes usually are). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return DASH;
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** Local time as `YYYY-MM-DD HH:MM:SS`: sortable, unambiguous, and the same width in every row. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return DASH;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Thousands separated, as the browser's locale writes them. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? DASH : n.toLocaleString();
}

/** A metric with `digits` significant decimals; null (not computable) shows as a dash. */
export function formatMetric(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return n.toExponential(2);
  return n.toFixed(abs >= 100 ? 1 : digits);
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio)
    ? DASH
    : `${(ratio * 100).toFixed(digits)} %`;
}

/** The last path segment of an object key: `raw/default/readings.csv` → `readings.csv`. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/**
 * A run's elapsed time: its recorded duration when stopped, the active time so far while running
 * (without the time it stood ended before a redrive).
 */
export function elapsedMs(
  run: { startedAt: string; durationMs: number | null; stoppedAt: string | null; pausedMs?: number },
  now = Date.now(),
): number {
  if (run.durationMs !== null) return run.durationMs;
  return Math.max(0, now - Date.parse(run.startedAt) - (run.pausedMs ?? 0));
}
