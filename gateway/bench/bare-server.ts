import Fastify from 'fastify';

/** The ceiling to compare with: fastify answering a JSON POST with no work behind it. */
const app = Fastify({ logger: false });
app.post('/echo', async (request) => ({ ok: true, received: (request.body as { callee?: string }).callee ?? null }));
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => process.stdout.write('ready\n'));
