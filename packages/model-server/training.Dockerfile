# The SageMaker training container, also run by SageMaker Processing jobs. Build from the
# repository root:
#   docker build -f packages/model-server/training.Dockerfile -t myriad-training .
# Two commands, each one bundled file (the runtime image holds Node and those files only):
# - `train`: SageMaker starts a training job as `docker run <image> train` and follows the /opt/ml
#   contract (packages/model-server/src/training/sagemaker-paths.ts). It needs no network at run
#   time: the job runs with EnableNetworkIsolation and SageMaker moves the data.
# - `preprocess`: a Processing job (ContainerEntrypoint ["preprocess"]) preprocesses one upload
#   too large for the Preprocess Lambda: core's preprocess against S3, through the same S3
#   adapter as the Lambda (packages/model-server/src/training/preprocess-job.ts). It needs S3.

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --ignore-scripts --no-audit --no-fund --workspace @myriad/model-server --workspace @myriad/functions --include-workspace-root=false
RUN npx --yes esbuild@0.28.2 packages/model-server/src/training/main.ts --bundle --platform=node --target=node22 --format=cjs --outfile=/out/train.cjs
RUN npx --yes esbuild@0.28.2 packages/model-server/src/training/preprocess-main.ts --bundle --platform=node --target=node22 --format=cjs --outfile=/out/preprocess.cjs

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /opt/myriad
COPY --from=build /out/train.cjs ./train.cjs
COPY --from=build /out/preprocess.cjs ./preprocess.cjs
RUN printf '#!/bin/sh\nexec node /opt/myriad/train.cjs "$@"\n' > /usr/local/bin/train \
  && printf '#!/bin/sh\nexec node /opt/myriad/preprocess.cjs "$@"\n' > /usr/local/bin/preprocess \
  && chmod 0755 /usr/local/bin/train /usr/local/bin/preprocess
# Runs as root: SageMaker mounts /opt/ml (input, model, checkpoints, output) owned by root.
CMD ["train"]
