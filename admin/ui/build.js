'use strict';
/**
 * Builds the admin UI into dist/admin/ui: one minified bundle (Preact, bundled by esbuild), the page
 * and its style sheet. Part of `npm run build`, so `npm install` produces it.
 */
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const SRC = __dirname;
const OUT = path.join(__dirname, '..', '..', 'dist', 'admin', 'ui');

async function buildUi() {
  fs.mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(SRC, 'src', 'main.tsx')],
    outfile: path.join(OUT, 'app.js'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'styles.css']) fs.copyFileSync(path.join(SRC, file), path.join(OUT, file));
  return OUT;
}

module.exports = { buildUi };

if (require.main === module) {
  buildUi().catch((error) => {
    process.stderr.write(`admin UI build failed: ${error.message}\n`);
    process.exit(1);
  });
}
