import fs from 'node:fs';
import path from 'node:path';
import type { GatewayContext } from './context';
import { loadConfig } from '../config';
import { projectRoot } from '../paths';
import { buildApp, createLogger } from '../server';

export const OPENAPI_FILE = path.join(projectRoot(), 'openapi.yaml');

/**
 * The OpenAPI document generated from the route schemas. Building the routes needs no database:
 * route plugins only keep references to the context until a request arrives.
 */
export async function generateOpenApi(): Promise<string> {
  const offline = { config: loadConfig({}), policies: new Map(), signingSecret: 'document-generation-only' } as unknown as GatewayContext;
  const app = await buildApp(offline, createLogger('silent'));
  await app.ready();
  const yaml = app.swagger({ yaml: true });
  await app.close();
  return `# Generated from the route schemas by \`npm run openapi\`; a test fails when it is stale.\n${yaml}`;
}

if (require.main === module) {
  generateOpenApi().then((yaml) => {
    fs.writeFileSync(OPENAPI_FILE, yaml);
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
  });
}
