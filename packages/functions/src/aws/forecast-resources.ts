import {
  DeleteResourceTreeCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  type ForecastClient,
} from "@aws-sdk/client-forecast";

/** The slice of ForecastClient the Forecast backend uses: `config` for the region of the ARNs it builds. */
export type ForecastSlice = Pick<ForecastClient, "send" | "config">;

/** Where a run's resources live: the ARN prefix `arn:<partition>:forecast:<region>:<account>:`. */
export interface ForecastAccount {
  partition: string;
  region: string;
  account: string;
}

/**
 * The account of the role Forecast assumes (the backend's own account) and the client's region.
 * Forecast names are unique per account and region, so these and a name give the resource's ARN.
 */
export async function forecastAccount(forecast: ForecastSlice, roleArn: string): Promise<ForecastAccount> {
  const [, partition, , , account] = roleArn.split(":");
  if (!partition || !account)
    throw new Error(`cannot read the account from the Forecast role ARN ${roleArn}`);
  return { partition, region: await forecast.config.region(), account };
}

/**
 * Resource ARNs as Forecast builds them from names (the IAM service authorization reference and
 * the API examples): import jobs and export jobs sit under their dataset's and forecast's name.
 */
export const forecastArn = {
  of: (a: ForecastAccount, resource: string) =>
    `arn:${a.partition}:forecast:${a.region}:${a.account}:${resource}`,
  dataset: (a: ForecastAccount, name: string) => forecastArn.of(a, `dataset/${name}`),
  datasetGroup: (a: ForecastAccount, name: string) => forecastArn.of(a, `dataset-group/${name}`),
  datasetImportJob: (a: ForecastAccount, dataset: string, job: string) =>
    forecastArn.of(a, `dataset-import-job/${dataset}/${job}`),
  predictor: (a: ForecastAccount, name: string) => forecastArn.of(a, `predictor/${name}`),
  forecast: (a: ForecastAccount, name: string) => forecastArn.of(a, `forecast/${name}`),
  forecastExportJob: (a: ForecastAccount, forecast: string, job: string) =>
    forecastArn.of(a, `forecast-export-job/${forecast}/${job}`),
};

const errorName = (e: unknown) => (e as Error | undefined)?.name;

/**
 * Runs a Create and returns the new resource's ARN; when the name is taken
 * (ResourceAlreadyExistsException: "There is already a resource with this name"), the resource is
 * this run's own, created by an invocation that died before it saved the ARN: `describe` checks
 * the ARN built from the name and the run carries on with it.
 */
export async function createOrFind(
  create: () => Promise<string | undefined>,
  existing: string,
  describe: (arn: string) => Promise<unknown>,
): Promise<string> {
  try {
    const arn = await create();
    if (!arn) throw new Error(`Amazon Forecast returned no ARN creating ${existing}`);
    return arn;
  } catch (e) {
    if (errorName(e) !== "ResourceAlreadyExistsException") throw e;
    await describe(existing);
    return existing;
  }
}

/** Statuses in which Forecast refuses a delete or is already deleting. */
const BUSY = /_PENDING$|_IN_PROGRESS$/;

/**
 * One pass over a resource tree: `gone` once Describe answers ResourceNotFoundException;
 * otherwise DeleteResourceTree is sent when the root may be deleted (not busy creating, updating
 * or deleting) and the tree is `deleting`. Deletes are asynchronous, and Forecast answers
 * ResourceInUseException while a resource of the tree, or one that depends on it, is busy: the
 * next pass tries again.
 */
async function deleteTree(
  forecast: ForecastSlice,
  arn: string,
  describe: (arn: string) => Promise<string | undefined>,
): Promise<"gone" | "deleting"> {
  let status: string | undefined;
  try {
    status = await describe(arn);
  } catch (e) {
    if (errorName(e) === "ResourceNotFoundException") return "gone";
    throw e;
  }
  if (status && BUSY.test(status)) return "deleting";
  try {
    await forecast.send(new DeleteResourceTreeCommand({ ResourceArn: arn }));
  } catch (e) {
    if (errorName(e) === "ResourceNotFoundException") return "gone";
    if (errorName(e) !== "ResourceInUseException") throw e;
  }
  return "deleting";
}

/** A run's resources by the two roots that hold them all. */
export interface RunResources {
  /** Its tree: predictors, forecasts, forecast export jobs. */
  datasetGroup: string;
  /** Each one's tree: its import jobs. Not in the dataset group's tree. */
  datasets: string[];
}

/**
 * One pass of deleting a run's Amazon Forecast resources; true when none is left. The dataset
 * group's tree goes first (the predictor trained on the datasets is in it), then each dataset's
 * (DeleteResourceTree on a dataset group leaves its datasets: delete-resource.html).
 */
export async function deleteRunResources(forecast: ForecastSlice, run: RunResources): Promise<boolean> {
  const group = await deleteTree(forecast, run.datasetGroup, async (DatasetGroupArn) => {
    return (await forecast.send(new DescribeDatasetGroupCommand({ DatasetGroupArn })))?.Status;
  });
  if (group !== "gone") return false;
  let gone = true;
  for (const arn of run.datasets) {
    const dataset = await deleteTree(forecast, arn, async (DatasetArn) => {
      return (await forecast.send(new DescribeDatasetCommand({ DatasetArn })))?.Status;
    });
    gone &&= dataset === "gone";
  }
  return gone;
}
