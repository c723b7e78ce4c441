export { Api } from "./Api.ts";
export { Database } from "./Database.ts";
export { Inference } from "./Inference.ts";
export { Pipeline } from "./Pipeline.ts";
export { Storage } from "./Storage.ts";
export { myriadApp } from "./myriad-app.ts";
export { type MyriadConfig, readMyriadConfig } from "./config.ts";
