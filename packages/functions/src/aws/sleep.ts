/** Resolves after `ms`: the pause between polls of a remote job. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
