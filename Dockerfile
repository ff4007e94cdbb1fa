# Multi-stage build: a static binary on a small non-root image.
#   docker build -t mistralbot --build-arg VERSION=$(git describe --always) .
#   docker run --rm -e OPENROUTER_API_KEY=... -e MISTRALBOT_SLACK_ENABLED=true ... mistralbot
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/mistralbot ./cmd/mistralbot \
 && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w" \
      -o /out/llmtest ./llm/llmtest/cmd/llmtest \
 && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w" \
      -o /out/fakeslack ./cmd/fakeslack \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/mistralbot /usr/local/bin/mistralbot
# The fakes docker-compose.yml runs when no key or token is given.
COPY --from=build /out/llmtest /usr/local/bin/llmtest
COPY --from=build /out/fakeslack /usr/local/bin/fakeslack
# The bbolt store lives here by default (store.path ./data/mistralbot.db).
COPY --from=build --chown=nonroot:nonroot /out/data /data
WORKDIR /
ENV MISTRALBOT_STORE_PATH=/data/mistralbot.db \
    MISTRALBOT_SERVER_LISTEN=:8080
# With a container memory limit (docker run -m, compose mem_limit,
# Kubernetes resources.limits.memory) the bot sets GOMEMLIMIT to 90% of it
# at start; set GOMEMLIMIT here or at run time to choose another value.
USER nonroot:nonroot
# 8080: the webhooks (publish this one). 9090: /healthz, /readyz, /metrics
# when MISTRALBOT_SERVER_OPS_LISTEN=:9090 is set (keep it private).
EXPOSE 8080 9090
VOLUME ["/data"]
# Exec form: the distroless image has no shell. health asks /readyz on
# server.ops_listen (else server.listen) and exits 0 or 1.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/mistralbot", "health"]
ENTRYPOINT ["/usr/local/bin/mistralbot"]
CMD ["run"]
