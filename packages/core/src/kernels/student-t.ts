import { normalQuantile } from "./normal.ts";

/**
 * Student's t quantile with ν degrees of freedom by the Cornish–Fisher expansion around the
 * normal quantile (Abramowitz & Stegun 26.7.5, four terms): within 1% of the exact value for
 * ν ≥ 3 at the levels significance tests use, enough to set a decision threshold. ν = 1 and 2
 * have closed forms and are exact.
 */
export function studentTQuantile(p: number, nu: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  if (nu === 1) return Math.tan(Math.PI * (p - 0.5));
  if (nu === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const z = normalQuantile(p);
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + g1 / nu + g2 / nu ** 2 + g3 / nu ** 3 + g4 / nu ** 4;
}
