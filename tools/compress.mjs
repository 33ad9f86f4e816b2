// Writes `.br` and `.gz` beside each built file (wasm, JS, CSS), so that the
// server sends them precompressed to browsers that accept them: brotli at its
// best level costs a second here instead of CPU on every request.
// Run by Trunk after each build (Trunk.toml, post_build hook) on its staging
// folder, and by the scripts on target/site/pkg after `cargo leptos build`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("compress.mjs: give the folder (or run it from Trunk)");
for (const name of readdirSync(dir)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const bytes = readFileSync(join(dir, name));
  writeFileSync(join(dir, `${name}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }));
}
