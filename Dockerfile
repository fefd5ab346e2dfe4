# shortlist: multi-stage build; the runtime image holds only the binary.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
RUN cargo build --release --locked --bin shortlist

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home shortlist
COPY --from=build /src/target/release/shortlist /usr/local/bin/shortlist
USER shortlist
# The repository to read is mounted here; config and database paths can be volumes.
WORKDIR /repo
ENTRYPOINT ["shortlist", "--repo", "/repo"]
CMD ["triage"]
