// The benchmark's peer: PostGraphile 4 (library mode) over the bench database, every request as
// the role bench_peer_reader with the caller's session token hash in `bench.token_hash`; the
// row-level-security policies written by bench/peer.py give each user the product's scope.
// PEER_WORKERS processes share the port (node's cluster module), each with a pool of
// PEER_POOL_SIZE connections (the product's DB_POOL_SIZE).
"use strict";
const cluster = require("cluster");
const crypto = require("crypto");
const http = require("http");
const { Pool } = require("pg");
const { postgraphile } = require("postgraphile");

const workers = Number(process.env.PEER_WORKERS || 1);
if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("exit", () => process.exit(1));
} else {
  const pool = new Pool({
    connectionString: process.env.PEER_DATABASE_URL,
    max: Number(process.env.PEER_POOL_SIZE || 10),
  });
  const middleware = postgraphile(pool, "public", {
    ignoreRBAC: false,
    disableDefaultMutations: true,
    disableQueryLog: true,
    enableQueryBatching: false,
    retryOnInitFail: false,
    watchPg: false,
    graphiql: false,
    setofFunctionsContainNulls: false,
    pgSettings: (req) => {
      const auth = req.headers.authorization || "";
      const token = auth.startsWith("Bearer ") ? auth.slice(7).trim() : "";
      return {
        role: "bench_peer_reader",
        "bench.token_hash": crypto.createHash("sha256").update(token).digest("hex"),
      };
    },
  });
  http.createServer(middleware).listen(Number(process.env.PEER_PORT), "127.0.0.1");
}
