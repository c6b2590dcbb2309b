# syntax=docker/dockerfile:1
# Build: docker build -t prepbot .
# Run:   docker run -it -v prepbot-data:/data prepbot            (terminal coach)
#        docker run -d -e PREPBOT_TELEGRAM_TOKEN=... -v prepbot-data:/data prepbot

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static, pure-Go binary: no libc needed in the final image. time/tzdata is
# embedded by the binary itself, so time zones work without zoneinfo files.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/prepbot ./cmd/prepbot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/prepbot /usr/local/bin/prepbot
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV PREPBOT_DB=/data/prepbot.db
VOLUME ["/data"]
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/prepbot"]
CMD ["run"]
