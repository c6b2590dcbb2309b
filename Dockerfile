# syntax=docker/dockerfile:1
# Build: docker build -t prepbot .
# Run:   docker run -it -v prepbot-data:/data prepbot            (terminal coach)
#        docker run -d -e PREPBOT_TELEGRAM_TOKEN=... -v prepbot-data:/data prepbot

# The Python-exercise interpreter: fetched from npm and checked against its
# pinned SHA-256 by the project's own script.
FROM node:20-bookworm-slim AS python
WORKDIR /src
COPY scripts/fetch-python-wasm scripts/
RUN bash scripts/fetch-python-wasm /out/python.wasm

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static, pure-Go binary: no libc needed in the final image. time/tzdata is
# embedded by the binary itself, so time zones work without zoneinfo files.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/prepbot ./cmd/prepbot \
 && mkdir -p /out/data
# Compile the interpreter into the cache now, at PREPBOT_PYTHON_CACHE's
# place in /data, so that a container on a new volume loads it at once and
# never compiles (a ~200 MB peak). wazero also keys the cache by a few CPU
# features: on a machine that differs, the first start compiles again, in a
# short-lived child process.
COPY --from=python /out/python.wasm /tmp/python.wasm
RUN /out/prepbot python-cache --python-wasm=/tmp/python.wasm --python-cache=/out/data/wazero-cache

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/prepbot /usr/local/bin/prepbot
COPY --from=python /out/python.wasm /opt/prepbot/python.wasm
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV PREPBOT_DB=/data/prepbot.db \
    PREPBOT_PYTHON_WASM=/opt/prepbot/python.wasm \
    PREPBOT_PYTHON_CACHE=/data/wazero-cache
VOLUME ["/data"]
# /healthz, /readyz and /metrics (listen on all interfaces inside the
# container: set PREPBOT_HTTP_ADDR=:9464 and publish the port).
EXPOSE 9464
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/prepbot"]
CMD ["run"]
