/** Options of {@link generateRows}. */
export interface GenerateOptions {
  /** Customers `0..customers-1`. */
  customers: number;
  /** Whole UTC days of readings. */
  days: number;
  /** First day (its UTC midnight is used). Default: `days` days before today, so the data ends today. */
  start?: Date;
  /** PRNG seed: the same seed and options give byte-identical output. Default 1. */
  seed?: number;
  /** Readings per customer per day. Default 24 (one per hour, at a random second within it). */
  readingsPerDay?: number;
}

export const GENERATED_HEADER = "customer_id,timestamp,consumption";

const DAY_MS = 86_400_000;
const CHUNK_CHARS = 64 * 1024;
const TWO_PI = 2 * Math.PI;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));

/**
 * The seed's synthetic dataset as CSV text chunks (header first): smart-meter-like consumption
 * for `customers` customers over `days` days.
 *
 * Each day is cut into `readingsPerDay` equal slots and every customer has one reading at a
 * random second inside each slot, so readings are irregular yet every hour holds exactly
 * `readingsPerDay / 24` of them: summed to `H` a customer yields one point per hour. Rows are
 * ordered day by day, customer by customer (a daily export), timestamps `YYYY-MM-DD HH:MM:SS`.
 *
 * Consumption stays in [0, 1000]: a per-customer level, a daily cycle and a weekly cycle with
 * per-customer amplitude and phase, plus Gaussian noise. Everything derives from `seed`
 * (mulberry32), so tests and benchmarks can regenerate the same file.
 */
export function* generateRows(options: GenerateOptions): Generator<string> {
  const { customers, days } = options;
  const perDay = options.readingsPerDay ?? 24;
  if (!Number.isInteger(customers) || customers < 0) throw new RangeError("customers must be an integer ≥ 0");
  if (!Number.isInteger(days) || days < 0) throw new RangeError("days must be an integer ≥ 0");
  if (!Number.isInteger(perDay) || perDay < 1 || perDay > 86_400) {
    throw new RangeError("readingsPerDay must be an integer in [1, 86400]");
  }
  const random = mulberry32(options.seed ?? 1);
  const profiles = Array.from({ length: customers }, () => customerProfile(random));
  const startMs = utcMidnight(options.start ?? new Date(utcMidnight(new Date()) - days * DAY_MS));
  const slotSeconds = 86_400 / perDay;
  // Readings in a slot scale down so that the hourly sum keeps the same 0–1000 shape.
  const scale = 24 / perDay;

  let chunk = `${GENERATED_HEADER}\n`;
  for (let day = 0; day < days; day++) {
    const dayMs = startMs + day * DAY_MS;
    const datePrefix = `${new Date(dayMs).toISOString().slice(0, 10)} `;
    const weekday = (Math.floor(dayMs / DAY_MS) + 3) % 7; // 0 = Monday
    for (let c = 0; c < customers; c++) {
      const p = profiles[c];
      for (let slot = 0; slot < perDay; slot++) {
        const second = Math.floor((slot + random()) * slotSeconds);
        const hourOfDay = second / 3600;
        const daily = Math.sin((TWO_PI * hourOfDay) / 24 + p.dailyPhase);
        const weekly = Math.sin((TWO_PI * (weekday + hourOfDay / 24)) / 7 + p.weeklyPhase);
        const raw =
          p.level + p.dailyAmplitude * daily + p.weeklyAmplitude * weekly + p.noise * gaussian(random);
        const value = Math.min(1000, Math.max(0, raw)) * scale;
        const h = Math.floor(second / 3600);
        const m = Math.floor((second % 3600) / 60);
        chunk += `${c},${datePrefix}${PAD2[h]}:${PAD2[m]}:${PAD2[second % 60]},${Math.round(value * 1000) / 1000}\n`;
      }
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = "";
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

interface CustomerProfile {
  level: number;
  dailyAmplitude: number;
  dailyPhase: number;
  weeklyAmplitude: number;
  weeklyPhase: number;
  noise: number;
}

function customerProfile(random: () => number): CustomerProfile {
  const level = 150 + 450 * random();
  return {
    level,
    dailyAmplitude: level * (0.2 + 0.4 * random()),
    dailyPhase: TWO_PI * random(),
    weeklyAmplitude: level * (0.05 + 0.15 * random()),
    weeklyPhase: TWO_PI * random(),
    noise: level * (0.02 + 0.08 * random()),
  };
}

function utcMidnight(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS) * DAY_MS;
}

/** mulberry32: a tiny, fast 32-bit PRNG, good enough for synthetic data, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box–Muller (one of the pair; simplicity over speed). */
function gaussian(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(TWO_PI * random());
}
