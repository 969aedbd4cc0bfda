// Builds one JavaScript plugin module into a WebAssembly component.
//
//   node build.mjs NODE_MODULES SOURCE.js WIT_DIR WORLD OUT.wasm
//
// NODE_MODULES is the install of this folder's package-lock.json (made by
// gui/devkit/js_build.py); WIT_DIR holds the world the plugin is built
// against (Pumpkin's `pumpkin:plugin/plugin`, from pumpkin-api-py). The
// default features are kept: fetch() imports wasi:http, which the host gates
// with the http.outbound permission.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [nodeModules, source, witPath, worldName, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node build.mjs NODE_MODULES SOURCE.js WIT_DIR WORLD OUT.wasm');
  process.exit(2);
}
const entry = join(nodeModules, '@bytecodealliance', 'componentize-js', 'src', 'componentize.js');
const { componentize } = await import(pathToFileURL(entry).href);
try {
  const { component } = await componentize(await readFile(source, 'utf8'), {
    sourceName: basename(source),
    witPath,
    worldName,
  });
  await writeFile(out, component);
} catch (err) {
  console.error(String(err && err.stack ? err.stack : err));
  process.exit(1);
}
