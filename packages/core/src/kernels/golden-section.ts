const INV_PHI = (Math.sqrt(5) - 1) / 2;

/**
 * Minimises a unimodal function on `[lo, hi]` by golden-section search (Kiefer 1953), the
 * method of R's `optimize` without its parabolic steps.
 *
 * @param f - function to minimise.
 * @param lo - lower bound.
 * @param hi - upper bound.
 * @param tol - width of the final bracket. Default 1e-4.
 * @returns the abscissa of the minimum found.
 */
export function goldenSection(f: (x: number) => number, lo: number, hi: number, tol = 1e-4): number {
  let a = lo;
  let b = hi;
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tol) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - INV_PHI * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + INV_PHI * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}
