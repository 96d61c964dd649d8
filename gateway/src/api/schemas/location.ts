import { LOCATION_SOURCES } from '../../engine/types';

/** A callee's known location as the API takes it; numbers/known-location.ts checks what a schema cannot. */
export const locationProperties = {
  subdivision: { type: 'string', maxLength: 6, description: 'ISO 3166-2 subdivision, e.g. US-CA' },
  timeZone: { type: 'string', maxLength: 64, description: 'IANA time zone, e.g. America/Los_Angeles' },
  postalCode: { type: 'string', maxLength: 12, description: 'Recorded with the location but not used to place the callee: no postal-code-to-zone mapping is held' },
  source: { type: 'string', enum: LOCATION_SOURCES, description: 'Where the location comes from' },
} as const;

export const calleeLocation = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: locationProperties,
  description:
    "Where the callee is known to be (their address on file). Each pack says how it combines with the number's candidate zones: known_location_decides (US: the called party's location, 47 CFR 64.1200(c)(1)) or most_restrictive (every candidate binds).",
} as const;
