import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../gateway/src/errors';
import { bearerSecurity, errorResponses, id } from '../../../gateway/src/api/schemas/common';
import { packSchema } from '../../../gateway/src/policy/loader';
import { logAction } from '../../../gateway/src/storage/admin-log';
import { approveChange, compileCandidate, draftRollback, draftRuleEdit, getChange, listChanges, listRevisions, rejectChange, type PolicyChange } from '../policy-changes';
import { looseObject, requireOperatorStaff, visibleTenant } from '../scope';
import { whatIf } from '../what-if';

const DAY = 86_400_000;
const READERS = ['compliance', 'auditor', 'admin'] as const;

const changeJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    packId: { type: 'string' },
    kind: { type: 'string', enum: ['edit', 'rollback'] },
    baseRevisionId: { type: 'string' },
    revisionId: { type: 'string' },
    content: looseObject,
    diff: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, before: {}, after: {} } } },
    reason: { type: 'string' },
    author: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'published', 'rejected', 'superseded'] },
    createdAt: { type: 'integer' },
    reviewedBy: { type: ['string', 'null'] },
    reviewedAt: { type: ['integer', 'null'] },
    reviewNote: { type: ['string', 'null'] },
  },
} as const;

const changeParams = { type: 'object', properties: { changeId: id } } as const;
const reasonText = { type: 'string', minLength: 5, maxLength: 2000, description: 'Why: a citation, a regulator letter, a carrier notice' } as const;

export async function policyRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.gate;
  const store = app.gate.policyStore;
  const logChange = (request: { principal: { subject: string; role: string; tenantId: string | null } }, action: string, change: PolicyChange) =>
    logAction(db, request.principal, action, change.id, { packId: change.packId, baseRevisionId: change.baseRevisionId, revisionId: change.revisionId, reason: change.reason, reviewNote: change.reviewNote });

  app.get(
    '/admin/api/policies',
    {
      config: { roles: READERS },
      schema: { tags: ['admin'], summary: 'The policy packs in force, each rule with its citation, status and effective dates', security: bearerSecurity, response: { 200: { type: 'object', properties: { packs: { type: 'array', items: looseObject } } }, ...errorResponses } },
    },
    async () => {
      const active = new Map((await db('policy_active').select('pack_id', 'change_id', 'published_at')).map((a: Record<string, any>) => [a.pack_id, a]));
      const packs = [...(await store.current()).values()].map((p) => {
        const published = active.get(p.pack.id);
        return { ...p.pack, revisionId: p.revisionId, publishedChangeId: published?.change_id ?? null, publishedAt: published ? Number(published.published_at) : null };
      });
      return { packs };
    },
  );

  app.get(
    '/admin/api/policies/schema',
    { config: { roles: READERS }, schema: { tags: ['admin'], summary: 'The JSON Schema of policy packs, from which the edit forms are made', security: bearerSecurity, response: { 200: looseObject, ...errorResponses } } },
    async () => packSchema,
  );

  app.get<{ Params: { packId: string } }>(
    '/admin/api/policies/:packId/revisions',
    {
      config: { roles: READERS },
      schema: {
        tags: ['admin'],
        summary: 'Every revision the pack had, newest first: what a rollback can restore',
        security: bearerSecurity,
        params: { type: 'object', properties: { packId: { type: 'string', maxLength: 40 } } },
        response: { 200: { type: 'object', properties: { revisions: { type: 'array', items: { type: 'object', properties: { revisionId: { type: 'string' }, packId: { type: 'string' }, label: { type: 'string' }, firstSeenAt: { type: 'integer' }, inForce: { type: 'boolean' } } } } } }, ...errorResponses },
      },
    },
    async (request) => ({ revisions: await listRevisions(db, store, request.params.packId) }),
  );

  app.get<{ Querystring: { packId?: string } }>(
    '/admin/api/policy-changes',
    {
      config: { roles: READERS },
      schema: { tags: ['admin'], summary: 'Policy changes, newest first: drafts awaiting a second officer, and their history', security: bearerSecurity, querystring: { type: 'object', properties: { packId: { type: 'string', maxLength: 40 } } }, response: { 200: { type: 'object', properties: { changes: { type: 'array', items: changeJson } } }, ...errorResponses } },
    },
    async (request) => ({ changes: await listChanges(db, request.query.packId) }),
  );

  app.get<{ Params: { changeId: string } }>(
    '/admin/api/policy-changes/:changeId',
    { config: { roles: READERS }, schema: { tags: ['admin'], summary: 'One policy change with its diff', security: bearerSecurity, params: changeParams, response: { 200: changeJson, ...errorResponses } } },
    async (request) => getChange(db, request.params.changeId),
  );

  app.post<{ Body: { packId: string; ruleId: string; params: object; effectiveFrom?: string; effectiveUntil?: string | null; reason: string } }>(
    '/admin/api/policy-changes',
    {
      config: { roles: ['compliance'] },
      schema: {
        tags: ['admin'],
        summary: "Draft a change to one rule's values; it takes effect only once a second compliance officer approves it",
        security: bearerSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['packId', 'ruleId', 'params', 'reason'],
          properties: {
            packId: { type: 'string', maxLength: 40 },
            ruleId: { type: 'string', maxLength: 64 },
            params: { type: 'object', description: "The rule's new parameters, checked against the pack's JSON Schema" },
            effectiveFrom: { type: 'string', maxLength: 10 },
            effectiveUntil: { type: ['string', 'null'], maxLength: 10 },
            reason: reasonText,
          },
        },
        response: { 201: changeJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireOperatorStaff(request, 'draft policy changes');
      const change = await draftRuleEdit(db, store, request.body, request.principal.subject);
      await logChange(request, 'policy change drafted', change);
      return reply.status(201).send(change);
    },
  );

  app.post<{ Body: { packId: string; revisionId: string; reason: string } }>(
    '/admin/api/policy-changes/rollback',
    {
      config: { roles: ['compliance'] },
      schema: {
        tags: ['admin'],
        summary: 'Draft a return to an earlier revision of a pack; it too needs a second officer',
        security: bearerSecurity,
        body: { type: 'object', additionalProperties: false, required: ['packId', 'revisionId', 'reason'], properties: { packId: { type: 'string', maxLength: 40 }, revisionId: { type: 'string', maxLength: 100 }, reason: reasonText } },
        response: { 201: changeJson, ...errorResponses },
      },
    },
    async (request, reply) => {
      requireOperatorStaff(request, 'roll policy back');
      const change = await draftRollback(db, store, request.body.packId, request.body.revisionId, request.body.reason, request.principal.subject);
      await logChange(request, 'policy rollback drafted', change);
      return reply.status(201).send(change);
    },
  );

  app.post<{ Params: { changeId: string }; Body: { note?: string } }>(
    '/admin/api/policy-changes/:changeId/approve',
    {
      config: { roles: ['compliance'] },
      schema: {
        tags: ['admin'],
        summary: 'Approve and publish a draft (four eyes: never by its author); every instance applies it from its next decision',
        security: bearerSecurity,
        params: changeParams,
        body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } },
        response: { 200: changeJson, ...errorResponses },
      },
    },
    async (request) => {
      requireOperatorStaff(request, 'approve policy changes');
      const change = await approveChange(db, store, request.params.changeId, request.principal.subject, request.body?.note ?? null);
      await logChange(request, 'policy change approved and published', change);
      return change;
    },
  );

  app.post<{ Params: { changeId: string }; Body: { note: string } }>(
    '/admin/api/policy-changes/:changeId/reject',
    {
      config: { roles: ['compliance'] },
      schema: {
        tags: ['admin'],
        summary: 'Reject a draft (or withdraw one\'s own), with a note',
        security: bearerSecurity,
        params: changeParams,
        body: { type: 'object', additionalProperties: false, required: ['note'], properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } } },
        response: { 200: changeJson, ...errorResponses },
      },
    },
    async (request) => {
      requireOperatorStaff(request, 'reject policy changes');
      const change = await rejectChange(db, request.params.changeId, request.principal.subject, request.body.note);
      await logChange(request, 'policy change rejected', change);
      return change;
    },
  );

  app.post<{ Params: { changeId: string }; Body: { from?: string; to?: string; tenantId?: string; limit?: number } }>(
    '/admin/api/policy-changes/:changeId/what-if',
    {
      config: { roles: READERS },
      schema: {
        tags: ['admin'],
        summary: 'Replay the recorded decisions of a period against the change: how many would change, which way, by reason and campaign',
        description: 'The same engine decides each recorded call again from the facts recorded with it, at the instant it was decided. Each decision is also replayed under its own revision, and the report says how many came out as recorded.',
        security: bearerSecurity,
        params: changeParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time', description: 'Default: 7 days ago' },
            to: { type: 'string', format: 'date-time', description: 'Default: now' },
            tenantId: id,
            limit: { type: 'integer', minimum: 1, maximum: 100000, default: 20000 },
          },
        },
        response: { 200: looseObject, ...errorResponses },
      },
    },
    async (request) => {
      const change = await getChange(db, request.params.changeId);
      const body = request.body ?? {};
      const to = body.to ? Date.parse(body.to) : Date.now();
      const from = body.from ? Date.parse(body.from) : to - 7 * DAY;
      if (!(from < to)) throw new AppError('VALIDATION_FAILED', 'The period must start before it ends');
      return whatIf(db, compileCandidate(change.content), { from, to, tenantId: visibleTenant(request, body.tenantId), limit: body.limit ?? 20000 });
    },
  );
}
