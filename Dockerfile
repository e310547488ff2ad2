# Static vdirender on a distroless non-root base: the image that kpt's
# `image` entry and the rendered operator Deployment name. It needs no network.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/vdirender/vdirender/internal/cli.Commit=${COMMIT}" -o /out/vdirender .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vdirender /usr/local/bin/vdirender
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/vdirender"]
