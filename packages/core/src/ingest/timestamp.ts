/**
 * Where {@link parseTimestampInto} leaves the time it parsed. Why not a return value: a double
 * returned by a call that is not inlined (this parser is too large to be) is boxed, an
 * allocation per row on the ingest path.
 */
export const parsedTime = new Float64Array(1);

/** {@link parseTimestampInto}, returning the time (NaN when unparsable). */
export function parseTimestampBytes(b: Uint8Array, start: number, end: number): number {
  return parseTimestampInto(b, start, end) ? parsedTime[0] : Number.NaN;
}

/**
 * Timestamp parsing for ingestion, on bytes so the fast CSV path never builds a string per row.
 *
 * Accepted forms (anything else is `unparsable_timestamp`):
 * - `YYYY-MM-DD` (midnight)
 * - `YYYY-MM-DD HH:MM[:SS[.fff…]]` and the same with `T` as separator
 * - each optionally followed by `Z`, `±HH:MM`, `±HHMM` or `±HH`
 *
 * A timestamp without an offset is UTC (the readings' local zone is unknowable); an offset is
 * applied, so `2024-01-01T01:00:00+01:00` is `2024-01-01T00:00:00Z`. Fractions beyond
 * milliseconds are truncated. Calendar fields are checked (no February 30th, no hour 24).
 *
 * Returns whether the timestamp is valid, leaving the time (epoch ms) in {@link parsedTime}.
 */
export function parseTimestampInto(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 10) return false;
  // Rows of a file share few dates: the last valid one is remembered by its ten bytes.
  const dateHead = b[start] | (b[start + 1] << 8) | (b[start + 2] << 16) | (b[start + 3] << 24);
  const dateMid = b[start + 4] | (b[start + 5] << 8) | (b[start + 6] << 16) | (b[start + 7] << 24);
  const dateTail = b[start + 8] | (b[start + 9] << 8);
  let ms: number;
  if (dateHead === lastDate.head && dateMid === lastDate.mid && dateTail === lastDate.tail) {
    ms = lastDate.ms;
  } else {
    const year = digits4(b, start);
    const month = digits2(b, start + 5);
    const day = digits2(b, start + 8);
    if (year < 0 || month < 1 || month > 12 || day < 1 || b[start + 4] !== 45 || b[start + 7] !== 45) {
      return false;
    }
    if (day > daysInMonth(year, month)) return false;
    ms = daysFromCivil(year, month, day) * 86_400_000;
    lastDate.head = dateHead;
    lastDate.mid = dateMid;
    lastDate.tail = dateTail;
    lastDate.ms = ms;
  }
  let i = start + 10;
  if (i === end) {
    parsedTime[0] = ms;
    return true;
  }

  const sep = b[i];
  if (sep !== 84 && sep !== 32 && sep !== 116) return false; // 'T', ' ', 't'
  if (end - i < 6) return false;
  const hour = digits2(b, i + 1);
  const minute = digits2(b, i + 4);
  if (hour < 0 || hour > 23 || b[i + 3] !== 58 || minute < 0 || minute > 59) return false;
  ms += hour * 3_600_000 + minute * 60_000;
  i += 6;
  if (i < end && b[i] === 58) {
    if (end - i < 3) return false;
    const second = digits2(b, i + 1);
    if (second < 0 || second > 59) return false;
    ms += second * 1000;
    i += 3;
    if (i < end && (b[i] === 46 || b[i] === 44)) {
      // fraction: '.' or ',' (ISO allows both); keep milliseconds
      i++;
      const fracStart = i;
      let frac = 0;
      let scale = 100;
      while (i < end && b[i] >= 48 && b[i] <= 57) {
        frac += (b[i] - 48) * scale;
        scale /= 10;
        i++;
      }
      if (i === fracStart) return false;
      ms += Math.floor(frac);
    }
  }
  const withOffset = i === end ? ms : applyOffset(b, i, end, ms);
  parsedTime[0] = withOffset;
  return !Number.isNaN(withOffset);
}

/** {@link parseTimestampBytes} for a string (the csv-parse path and history files). */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  const bytes = new Uint8Array(trimmed.length);
  for (let i = 0; i < trimmed.length; i++) {
    const code = trimmed.charCodeAt(i);
    bytes[i] = code < 128 ? code : 0;
  }
  return parseTimestampBytes(bytes, 0, bytes.length);
}

function applyOffset(b: Uint8Array, i: number, end: number, ms: number): number {
  const c = b[i];
  if (c === 90 || c === 122) return i + 1 === end ? ms : Number.NaN; // 'Z', 'z'
  if (c !== 43 && c !== 45) return Number.NaN; // '+', '-'
  const sign = c === 43 ? 1 : -1;
  const rest = end - i - 1;
  const hours = digits2(b, i + 1);
  let minutes = 0;
  if (rest === 2) minutes = 0;
  else if (rest === 4) minutes = digits2(b, i + 3);
  else if (rest === 5 && b[i + 3] === 58) minutes = digits2(b, i + 4);
  else return Number.NaN;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return Number.NaN;
  // Local time = UTC + offset, so UTC = local − offset.
  return ms - sign * (hours * 3_600_000 + minutes * 60_000);
}

/** The last date {@link parseTimestampBytes} parsed: its ten bytes packed in three integers. */
const lastDate = { head: -1, mid: -1, tail: -1, ms: 0 };

function digits2(b: Uint8Array, i: number): number {
  const d0 = b[i] - 48;
  const d1 = b[i + 1] - 48;
  if (d0 < 0 || d0 > 9 || d1 < 0 || d1 > 9) return -1;
  return d0 * 10 + d1;
}

function digits4(b: Uint8Array, i: number): number {
  const hi = digits2(b, i);
  const lo = digits2(b, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, without allocating a `Date`.
 * Mirrors Howard Hinnant's `days_from_civil` (chrono-compatible date algorithms).
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
