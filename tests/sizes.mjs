// Size budgets of what a host page downloads, measured on the release build
// (`trunk build --release --cargo-profile wasm-release`): the loader under
// 5 KB gzip, the opened widget (wasm + JS glue; its CSS is inside the wasm)
// under 95 KiB brotli (97,280 bytes). Prints both; fails over budget.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dist = process.argv[2] || "target/widget-dist/widget";
const LOADER_GZIP_BUDGET = 5 * 1024;
const WIDGET_BROTLI_BUDGET = 95 * 1024;

function sizes(files) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const bytes = readFileSync(join(dist, file));
    total.raw += bytes.length;
    total.gzip += gzipSync(bytes, { level: 9 }).length;
    total.brotli += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return total;
}

const loader = sizes(["widget.js"]);
const widget = sizes(["chat_bg.wasm", "chat.js"]);
const row = (name, s) => `${name.padEnd(30)} ${String(s.raw).padStart(9)} ${String(s.gzip).padStart(9)} ${String(s.brotli).padStart(9)}`;
console.log(`${"bytes".padEnd(30)} ${"raw".padStart(9)} ${"gzip -9".padStart(9)} ${"brotli 11".padStart(9)}`);
console.log(row("loader (widget.js)", loader));
console.log(row("widget (chat_bg.wasm + chat.js)", widget));
let failed = false;
if (loader.gzip > LOADER_GZIP_BUDGET) {
  console.error(`the loader is ${loader.gzip} bytes gzip, over its budget of ${LOADER_GZIP_BUDGET}`);
  failed = true;
}
if (widget.brotli > WIDGET_BROTLI_BUDGET) {
  console.error(`the widget is ${widget.brotli} bytes brotli, over its budget of ${WIDGET_BROTLI_BUDGET}`);
  failed = true;
}
process.exit(failed ? 1 : 0);
