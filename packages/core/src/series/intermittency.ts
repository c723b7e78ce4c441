/**
 * Syntetos–Boylan–Croston's cut-off for the average inter-demand interval: above it, demand is
 * intermittent (or lumpy) and Croston-type methods beat smoothing (Syntetos, Boylan & Croston
 * 2005, "On the categorization of demand patterns").
 */
export const ADI_CUTOFF = 1.32;

/**
 * Whether a series is intermittent demand: never negative, and on average more than
 * {@link ADI_CUTOFF} steps per non-zero reading (about a quarter of its readings zero), as an
 * EV charger or a holiday home is. Gaps (NaN) are not readings.
 */
export function isIntermittent(y: ArrayLike<number>): boolean {
  let readings = 0;
  let demands = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) continue;
    if (v < 0) return false;
    readings++;
    if (v > 0) demands++;
  }
  return readings >= 2 && demands > 0 && readings / demands > ADI_CUTOFF;
}
