# askdocs in a container: `docker build -t askdocs .` then
#   docker run -p 8080:8080 -v ~/.cache/huggingface:/root/.cache/huggingface -v $PWD/indexes:/data askdocs \
#     serve --host 0.0.0.0 --port 8080 --db /data/sample.sqlite
# The default command serves on 0.0.0.0:8080: SageMaker's GET /ping and POST /invocations, Azure ML's GET / and
# POST /score, the Inference API route and /v1/ask (README, "Serving").
# UNTESTED: no Docker engine runs where this file was written; the binary it builds and the routes it serves are
# what the test suite runs, but the image build itself has never been run.

# Build: the same Swift toolchain and Debian 12 packages as scripts/setup, a static Swift standard library.
FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libfaiss-dev libopenblas-dev libsqlite3-dev libicu-dev libcld2-dev \
      zlib1g-dev libxml2-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
COPY scripts scripts
RUN swift build -c release --product askdocs --static-swift-stdlib \
 && install -D "$(swift build -c release --show-bin-path)/askdocs" /out/askdocs

# Run: only the shared libraries `ldd askdocs` names (faiss is linked statically), pdftotext for PDFs, CA
# certificates for `askdocs models pull`.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopenblas0-pthread libsqlite3-0 zlib1g libstdc++6 libgomp1 \
      libcld2-0 libicu72 libxml2 poppler-utils ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/askdocs /usr/local/bin/askdocs
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["askdocs"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
