import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, it } from 'node:test';
import { startSip } from '../../src/sip/service';
import { startTestGateway } from '../support/gateway';

const silent = { warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('SIP service start-up', () => {
  it('a listen address already in use fails the start with a clear error, and leaves nothing running', async () => {
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', () => resolve()));
    const port = squatter.address().port;
    const gw = await startTestGateway('sqlite', { SIP_LISTEN: `udp:127.0.0.1:${port}`, SIP_TRUNK: 'sip:127.0.0.1:5070' });
    try {
      await assert.rejects(startSip(gw.gate, gw.gate.config.sip!, silent), /SIP listeners could not start: .*EADDRINUSE/);
    } finally {
      squatter.close();
      await gw.close();
    }
  });

  it('listens on every configured address, each transport on its own port when asked for port 0, and closes cleanly', async () => {
    const gw = await startTestGateway('sqlite', { SIP_LISTEN: 'udp:127.0.0.1:0,tcp:127.0.0.1:0', SIP_TRUNK: 'sip:127.0.0.1:5070' });
    try {
      const sip = await startSip(gw.gate, gw.gate.config.sip!, silent);
      assert.deepEqual(sip.listening.map((l) => l.proto), ['udp', 'tcp']);
      assert.ok(sip.listening.every((l) => l.port > 0));
      await sip.close();
    } finally {
      await gw.close();
    }
  });
});
