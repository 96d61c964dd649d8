import assert from 'node:assert/strict';
import fs from 'node:fs';
import { it } from 'node:test';
import { generateOpenApi, OPENAPI_FILE } from '../src/api/openapi';

it('openapi.yaml is the document generated from the route schemas (run `npm run openapi` after changing a route)', async () => {
  const generated = await generateOpenApi();
  assert.ok(generated.includes('/v1/decisions:'), 'the generator sees the routes');
  assert.equal(fs.readFileSync(OPENAPI_FILE, 'utf8'), generated);
});
