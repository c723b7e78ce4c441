# The SageMaker training container. Build from the repository root:
#   docker build -f packages/model-server/training.Dockerfile -t myriad-training .
# SageMaker starts it as `docker run <image> train` and follows the /opt/ml contract
# (packages/model-server/src/training/sagemaker-paths.ts). The build stage bundles the entry
# point into one file, so the runtime image holds Node and that file only. It needs no network
# at run time: the job runs with EnableNetworkIsolation and SageMaker moves the data.

FROM node:22-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages ./packages
RUN npm ci --ignore-scripts --no-audit --no-fund --workspace @myriad/model-server --include-workspace-root=false
RUN npx --yes esbuild@0.28.2 packages/model-server/src/training/main.ts --bundle --platform=node --target=node22 --format=cjs --outfile=/out/train.cjs

FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /opt/myriad
COPY --from=build /out/train.cjs ./train.cjs
RUN printf '#!/bin/sh\nexec node /opt/myriad/train.cjs "$@"\n' > /usr/local/bin/train \
  && chmod 0755 /usr/local/bin/train
# Runs as root: SageMaker mounts /opt/ml (input, model, checkpoints, output) owned by root.
CMD ["train"]
