/** An admin user as every route shows it: who they are, their role and the tenant they belong to. */
export const userJson = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string' },
    tenantId: { type: ['string', 'null'] },
  },
} as const;

/** A user as the user list shows it: also who created them, and when they were disabled. */
export const managedUserJson = {
  type: 'object',
  properties: {
    ...userJson.properties,
    createdAt: { type: 'integer' },
    createdBy: { type: 'string' },
    disabledAt: { type: ['integer', 'null'] },
  },
} as const;
