import { REASONS } from '../../engine/reasons';
import { DIALING_MODES, OPT_OUT_SCOPES, VERIFICATION_STATUSES } from '../../engine/types';
import { ERRORS } from '../../errors';

/**
 * JSON Schemas shared by routes. The same objects drive ajv validation, response serialisation and
 * the generated openapi.yaml, so the document cannot drift from what the gateway accepts.
 */
export const e164 = { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$', description: 'E.164 number, e.g. +8613800138000' } as const;
export const id = { type: 'string', minLength: 1, maxLength: 40 } as const;
export const instant = { type: 'string', format: 'date-time' } as const;
export const nullableInstant = { type: ['string', 'null'], format: 'date-time' } as const;

export const PURPOSES = [
  'finance', 'insurance', 'real_estate', 'education', 'healthcare', 'debt_collection', 'survey', 'service',
  'retail', 'travel', 'automotive', 'telecom', 'charity', 'political',
] as const;

export const purpose = { type: 'string', enum: PURPOSES } as const;
export const dialingMode = { type: 'string', enum: DIALING_MODES } as const;
export const optOutScope = { type: 'string', enum: OPT_OUT_SCOPES } as const;
export const verificationStatus = { type: 'string', enum: VERIFICATION_STATUSES } as const;
export const anyJson = {} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(ERRORS) },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;

export const reasonSchema = {
  $id: 'Reason',
  type: 'object',
  required: ['code', 'rule', 'message', 'citation'],
  properties: {
    code: { type: 'string', enum: Object.keys(REASONS), description: 'Stable reason code' },
    rule: { type: 'string', description: 'Id of the policy rule that failed' },
    message: { type: 'string' },
    citation: { type: 'string', description: 'The legal instrument and article, or the gateway rule' },
  },
} as const;

/** Shared schemas, registered once and referenced, so the OpenAPI document names them once. */
export const SHARED_SCHEMAS = [errorSchema, reasonSchema];
export const errorResponse = { $ref: 'Error#' } as const;
export const reason = { $ref: 'Reason#' } as const;

export const decisionAnswer = {
  type: 'object',
  required: ['id', 'allow', 'reasons', 'nextAllowedAt', 'policyRevision', 'decidedAt'],
  properties: {
    id: { type: 'string' },
    allow: { type: 'boolean' },
    reasons: { type: 'array', items: reason },
    nextAllowedAt: { ...nullableInstant, description: 'When the call would next be allowed, if only time stands in the way' },
    policyRevision: { type: 'string' },
    decidedAt: instant,
  },
} as const;

/** Error answers every authenticated route may give. */
export const errorResponses = {
  400: errorResponse,
  401: errorResponse,
  403: errorResponse,
  404: errorResponse,
  409: errorResponse,
  413: errorResponse,
  422: errorResponse,
  429: errorResponse,
  503: errorResponse,
} as const;

export const bearerSecurity = [{ bearer: [] }];
