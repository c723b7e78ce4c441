/** The body of an invoke, as the model server's `/models/{name}/invoke` takes it. */
export interface InvokeRequest {
  horizon: number;
  quantiles?: number[];
  /** ISO timestamp to start from; defaults to the step after the training data. */
  start?: string;
  /** Add each point's named contributions (`components`, summing to its mean). */
  explain?: boolean;
  /** A what-if scenario: changes to the related fields' future values (see WhatIfChange). */
  related?: Record<string, WhatIfChange>;
}

/**
 * A change to one related field over the horizon, between `from` and `to` (ISO timestamps,
 * inclusive; the whole horizon by default): `set` replaces the value, then `multiply` and `add`
 * apply, in that order.
 */
export interface WhatIfChange {
  set?: number;
  multiply?: number;
  add?: number;
  from?: string;
  to?: string;
}

export interface ForecastPoint {
  timestamp: string;
  mean: number;
  /** Named contributions that sum to `mean` (with `explain`). */
  components?: Record<string, number>;
  [quantileKey: `p${string}`]: number;
}

export interface InvokeResponse {
  model: {
    algorithm: string;
    version: string;
    /**
     * The related fields and holidays the forecast used, with each one's importance: the mean
     * absolute contribution over the horizon (with `explain`, for models that explain).
     */
    drivers?: { name: string; importance?: number }[];
  };
  points: ForecastPoint[];
}

/**
 * The multi-model endpoint: SageMaker runtime InvokeEndpoint with TargetModel in AWS, the local
 * router on the embedded stack. `targetModel` is the artifact's key under the models prefix.
 */
export interface InferenceEndpoint {
  invoke(targetModel: string, request: InvokeRequest): Promise<InvokeResponse>;
  /** Loads the targets before users ask, so the first query is a cache hit. Returns how many. */
  warm(targetModels: string[]): Promise<{ loaded: number; failed: number }>;
  /**
   * Unloads every loaded model whose TargetModel starts with `prefix` (a deleted dataset's);
   * returns how many. Absent where the endpoint has no unload (SageMaker evicts by itself).
   */
  unload?(prefix: string): Promise<number>;
  /** Cache metrics named as SageMaker names them (ModelCacheHit, LoadedModelCount…), if known. */
  metrics?(): Promise<Record<string, unknown>> | Record<string, unknown>;
}
