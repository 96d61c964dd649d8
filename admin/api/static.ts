import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { projectRoot } from '../../gateway/src/paths';

/** Where `npm run build` puts the UI bundle. */
export const UI_BUILD_DIR = path.join(projectRoot(), 'dist', 'admin', 'ui');

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.map': 'application/json' };

const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

async function send(reply: FastifyReply, file: string) {
  const full = path.join(UI_BUILD_DIR, file);
  if (!full.startsWith(UI_BUILD_DIR + path.sep) || !fs.existsSync(full)) {
    const missing = !fs.existsSync(path.join(UI_BUILD_DIR, 'index.html'));
    return reply.status(missing ? 503 : 404).type('text/plain').send(missing ? 'The admin UI is not built: run `npm run build`.' : 'Not found');
  }
  return reply.headers(HEADERS).type(TYPES[path.extname(file)] ?? 'application/octet-stream').send(await fs.promises.readFile(full));
}

/** The compliance officers' single-page UI at /admin; it talks to the gateway's API with a bearer token. */
export async function uiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/admin', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/admin/'));
  app.get('/admin/', { schema: { hide: true } }, async (_request, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/admin/assets/:file', { schema: { hide: true } }, async (request, reply) => send(reply, path.basename(request.params.file)));
}
