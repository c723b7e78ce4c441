import { addSteps, type Frequency, nominalStepMs } from "../series/frequency.ts";
import { SERIES_CSV_HEADER, type RegularSeries } from "../series/series.ts";

const DAY_MS = 86_400_000;
const FIXED: ReadonlySet<Frequency> = new Set(["1min", "5min", "10min", "15min", "30min", "H", "D", "W"]);
const HEADER = new TextEncoder().encode(`${SERIES_CSV_HEADER}\n`);
/** Longest line: extended-year ISO (27) + ',' + a double's longest text (24) + '\n'. */
const MAX_LINE = 64;

/**
 * The bytes of `seriesToCsv(series)` (series/series.ts), identical, several times faster.
 *
 * Why it exists: measured on the ingest benchmark (1,000 customers × 8,760 hours), `seriesToCsv`
 * took 7.8 s of a 14.7 s run, mostly one `Date#toISOString` per point and the string building.
 * Here the `YYYY-MM-DDT` prefix is formatted once per day, the time of day is written as
 * digits, values that are whole thousandths are written without `Number#toString`, and the
 * result is bytes ready for `ObjectStore.put`. Years outside 0000–9999 (ISO's extended form)
 * fall back to `toISOString`.
 */
export function encodeSeriesCsv(series: RegularSeries): Uint8Array {
  const { start, frequency, values } = series;
  const step = FIXED.has(frequency) ? nominalStepMs(frequency) : 0;
  let out = new Uint8Array(HEADER.length + Math.min(values.length, 1 << 20) * 40);
  out.set(HEADER);
  let p = HEADER.length;
  let day = Number.NaN;
  const prefix = new Uint8Array(11);
  let extended = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (p + MAX_LINE > out.length) {
      const grown = new Uint8Array(out.length * 2);
      grown.set(out.subarray(0, p));
      out = grown;
    }
    const t = step > 0 ? start + i * step : addSteps(start, i, frequency);
    const d = Math.floor(t / DAY_MS);
    if (d !== day) {
      day = d;
      const iso = new Date(d * DAY_MS).toISOString();
      extended = iso.length !== 24;
      for (let k = 0; k < 11; k++) prefix[k] = iso.charCodeAt(k);
    }
    if (extended) {
      p = writeAscii(out, p, new Date(t).toISOString());
    } else {
      out.set(prefix, p);
      p += 11;
      const ms = t - d * DAY_MS;
      p = write2(out, p, Math.floor(ms / 3_600_000));
      out[p++] = 58; // ':'
      p = write2(out, p, Math.floor((ms % 3_600_000) / 60_000));
      out[p++] = 58;
      p = write2(out, p, Math.floor((ms % 60_000) / 1000));
      out[p++] = 46; // '.'
      const milli = ms % 1000;
      out[p++] = 48 + Math.floor(milli / 100);
      out[p++] = 48 + (Math.floor(milli / 10) % 10);
      out[p++] = 48 + (milli % 10);
      out[p++] = 90; // 'Z'
    }
    out[p++] = 44; // ','
    p = writeNumber(out, p, v);
    out[p++] = 10;
  }
  return out.subarray(0, p);
}

function write2(out: Uint8Array, p: number, n: number): number {
  out[p] = 48 + Math.floor(n / 10);
  out[p + 1] = 48 + (n % 10);
  return p + 2;
}

function writeAscii(out: Uint8Array, p: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[p++] = text.charCodeAt(k);
  return p;
}

/**
 * `String(v)` as bytes. A value below 1e12 that reads back from `m / 1000` (m an integer) is
 * written directly: there a double's spacing is under 0.0002, so two texts with at most three
 * decimals never read back as the same double; `m / 1000` is then the only, hence the shortest,
 * such text, which is what `Number#toString` prints. Anything else goes through `String(v)`.
 */
function writeNumber(out: Uint8Array, p: number, v: number): number {
  const m = Math.round(v * 1000);
  if (v >= 0 && v < 1e12 && m / 1000 === v) {
    const whole = Math.floor(m / 1000);
    let frac = m - whole * 1000;
    p = writeInteger(out, p, whole);
    if (frac !== 0) {
      out[p++] = 46;
      let digits = 3;
      while (frac % 10 === 0) {
        frac /= 10;
        digits--;
      }
      for (let k = digits - 1; k >= 0; k--) {
        out[p + k] = 48 + (frac % 10);
        frac = Math.floor(frac / 10);
      }
      p += digits;
    }
    return p;
  }
  return writeAscii(out, p, String(v));
}

function writeInteger(out: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    out[p] = 48 + n;
    return p + 1;
  }
  let digits = 0;
  for (let x = n; x >= 1; x = Math.floor(x / 10)) digits++;
  for (let k = digits - 1, x = n; k >= 0; k--, x = Math.floor(x / 10)) out[p + k] = 48 + (x % 10);
  return p + digits;
}
