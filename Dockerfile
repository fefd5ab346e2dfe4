# shortlist: multi-stage build; the runtime image holds the binary, CA roots and the CJK
# font the progress chart draws its text with.
#   docker build -t shortlist .
#   docker run --rm -e DISCORD_TOKEN -v "$PWD:/repo" -v shortlist-data:/data \
#       -v "$PWD/shortlist.toml:/config/shortlist.toml:ro" shortlist
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY examples ./examples
RUN cargo build --release --locked --bin shortlist

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home shortlist \
    && mkdir -p /data /config \
    && chown shortlist /data
COPY --from=build /src/target/release/shortlist /usr/local/bin/shortlist
USER shortlist
# The repository is mounted at /repo (read-write: notes are written into its notes
# directory), the database lives in the /data volume, the config in /config.
VOLUME ["/data"]
WORKDIR /repo
ENV SHORTLIST_DATABASE=/data/shortlist.sqlite3
ENTRYPOINT ["shortlist", "--repo", "/repo"]
# The bot; the token comes from DISCORD_TOKEN (or `token_file` in the config), never
# from the config itself. Any other command works too: `docker run … shortlist triage`.
CMD ["--config", "/config/shortlist.toml", "serve"]
