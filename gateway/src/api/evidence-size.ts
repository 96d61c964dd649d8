import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors';

/** The body fields that carry free-form evidence objects, stored as sent and copied onto the trail. */
const EVIDENCE_FIELDS = ['evidence', 'proofOfRight', 'realNameProof'] as const;

/** The serialised size of the largest evidence field over the limit, or null. */
export function oversizedEvidence(body: unknown, maxBytes: number): { field: string; bytes: number } | null {
  if (!body || typeof body !== 'object') return null;
  for (const field of EVIDENCE_FIELDS) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > maxBytes) return { field, bytes };
  }
  return null;
}

/**
 * Evidence is a reference or an extract, not the scan itself: a many-megabyte object would be kept
 * twice (its table and the trail) and copied into every export, so it is refused before any check.
 */
async function evidenceSize(app: FastifyInstance, options: { maxBytes: number }): Promise<void> {
  app.addHook('preValidation', async (request) => {
    const over = oversizedEvidence(request.body, options.maxBytes);
    if (!over) return;
    throw new AppError('EVIDENCE_TOO_LARGE', `${over.field} is ${over.bytes} bytes as JSON; at most ${options.maxBytes} are stored (EVIDENCE_MAX_BYTES): keep the document elsewhere and reference it`, over);
  });
}

export const evidenceSizeLimit = fp(evidenceSize, { name: 'callgate-evidence-size' });
