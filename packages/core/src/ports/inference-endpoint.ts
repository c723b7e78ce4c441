/** The body of an invoke, as the model server's `/models/{name}/invoke` takes it. */
export interface InvokeRequest {
  horizon: number;
  quantiles?: number[];
  /** ISO timestamp to start from; defaults to the step after the training data. */
  start?: string;
}

export interface ForecastPoint {
  timestamp: string;
  mean: number;
  [quantileKey: `p${string}`]: number;
}

export interface InvokeResponse {
  model: { algorithm: string; version: string };
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
  /** Cache metrics named as SageMaker names them (ModelCacheHit, LoadedModelCount…), if known. */
  metrics?(): Promise<Record<string, unknown>> | Record<string, unknown>;
}
