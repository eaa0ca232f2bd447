# govsearch container image: a cgo build (gojieba is C++) linked with
# libstdc++ and libgcc statically, on a distroless glibc base, as non-root.
#
#   docker build -t govsearch .
#   docker run -p 8080:8080 govsearch                       # the built-in sample
#   docker run -p 8080:8080 -v govsearch-data:/data -v /path/to/replies:/src:ro \
#     -e GOVSEARCH_INDEX=/data/index -e GOVSEARCH_SRC=/src govsearch
#
# The dictionaries and the sample are embedded in the binary: nothing is
# downloaded at run time and no Go toolchain is needed in the image.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath \
      -ldflags='-s -w -extldflags "-static-libstdc++ -static-libgcc"' \
      -o /out/govsearch ./cmd/govsearch \
 && mkdir -p /out/data/cache \
 && /out/govsearch --help >/dev/null

FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/govsearch /usr/local/bin/govsearch
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot
# glibc's malloc on transparent huge pages: jieba loads its dictionaries
# in half the time (the binary sets this itself otherwise, by re-exec).
ENV GOVSEARCH_ADDR=0.0.0.0:8080 \
    GOVSEARCH_CACHE_DIR=/data/cache \
    GLIBC_TUNABLES=glibc.malloc.hugetlb=1
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD ["/usr/local/bin/govsearch", "health", "-url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/govsearch"]
CMD ["serve"]
