/**
 * Solves `A x = b` for a symmetric positive-definite `A` (k × k, row-major) by Cholesky
 * factorisation, in place on copies. A tiny `jitter` is added to the diagonal when a pivot
 * vanishes, so near-singular normal equations still give a (ridge-like) answer.
 *
 * @param a - k × k matrix, row-major. Not modified.
 * @param b - right-hand side of length k. Not modified.
 * @returns the solution x.
 * @throws when `A` is not positive definite even after jitter.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  return choleskySubstitute(choleskyFactor(a, k), b, k);
}

/**
 * The lower-triangular Cholesky factor of `A` (k × k, row-major), with {@link choleskySolve}'s
 * jitter; solve with it by {@link choleskySubstitute}. Apart for callers that solve one matrix
 * for many right-hand sides.
 */
export function choleskyFactor(a: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, a[i * k + i]);
  const jitter = Math.max(maxDiag, 1) * 1e-10;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j];
      for (let p = 0; p < j; p++) sum -= l[i * k + p] * l[j * k + p];
      if (i === j) {
        if (!(sum > 0)) sum = jitter;
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / l[j * k + j];
      }
    }
  }
  return l;
}

/**
 * Solves `L Lᵀ x = b` by forward and back substitution on a factor from {@link choleskyFactor}.
 *
 * @throws when the solution is not finite (singular normal equations).
 */
export function choleskySubstitute(l: Float64Array, b: Float64Array, k: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < k; i++) {
    let sum = x[i];
    for (let p = 0; p < i; p++) sum -= l[i * k + p] * x[p];
    x[i] = sum / l[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let sum = x[i];
    for (let p = i + 1; p < k; p++) sum -= l[p * k + i] * x[p];
    x[i] = sum / l[i * k + i];
  }
  for (let i = 0; i < k; i++) if (!Number.isFinite(x[i])) throw new Error("normal equations are singular");
  return x;
}

/** Inner product, two accumulators (independent adds pipeline better on long columns). */
export function dot(u: Float64Array, v: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < u.length; i += 2) {
    s0 += u[i] * v[i];
    s1 += u[i + 1] * v[i + 1];
  }
  if (i < u.length) s0 += u[i] * v[i];
  return s0 + s1;
}
