import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DialerDirectory } from '../../src/sip/dialers';
import { numberFromUri } from '../../src/sip/numbers';
import { startTestGateway, type TestGateway, type World } from '../support/gateway';

describe('SIP dialer allow-list (API and directory)', () => {
  let gw: TestGateway;
  let world: World;
  before(async () => {
    gw = await startTestGateway('sqlite');
    world = await gw.seed();
  });
  after(async () => gw?.close());

  it('only the gateway operator binds a source address to a tenant; a tenant admin cannot', async () => {
    const tenantAdmin = gw.token('admin', world.tenantId);
    const refused = await gw.call('POST', '/v1/sip-dialers', tenantAdmin, { tenantId: world.tenantId, source: '10.1.0.0/16' });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'FORBIDDEN_ROLE');
    const added = await gw.ok('/v1/sip-dialers', gw.admin, { tenantId: world.tenantId, source: '10.1.0.0/16', defaultCampaignId: world.campaignId });
    assert.equal(added.source, '10.1.0.0/16');
    const listed = await gw.call('GET', '/v1/sip-dialers', gw.admin);
    assert.deepEqual(listed.json().sipDialers.map((d: { id: string }) => d.id), [added.id]);
  });

  it('refuses a source that is no address (400), one already assigned (409), and a campaign of another tenant (404)', async () => {
    const bad = await gw.call('POST', '/v1/sip-dialers', gw.admin, { tenantId: world.tenantId, source: '10.1.2.3/40' });
    assert.equal(bad.json().error.code, 'INVALID_SOURCE_ADDRESS');
    const dup = await gw.call('POST', '/v1/sip-dialers', gw.admin, { tenantId: world.tenantId, source: '10.1.0.0/16' });
    assert.equal(dup.statusCode, 409);
    const other = await gw.seed({ caller: '+862161234599', uscc: '91110000MA0000000H' });
    const foreign = await gw.call('POST', '/v1/sip-dialers', gw.admin, { tenantId: world.tenantId, source: '10.9.9.9', defaultCampaignId: other.campaignId });
    assert.equal(foreign.json().error.code, 'CAMPAIGN_NOT_FOUND');
  });

  it('the directory matches the most specific network and forgets a removed dialer on reload', async () => {
    const single = await gw.ok('/v1/sip-dialers', gw.admin, { tenantId: world.tenantId, source: '10.1.2.3' });
    const directory = new DialerDirectory(gw.gate.db, 60_000, () => undefined);
    await directory.start();
    try {
      assert.deepEqual(directory.match('10.1.9.9'), { tenantId: world.tenantId, defaultCampaignId: world.campaignId });
      assert.deepEqual(directory.match('10.1.2.3'), { tenantId: world.tenantId, defaultCampaignId: null });
      assert.equal(directory.match('10.2.0.1'), null);
      await gw.ok(`/v1/sip-dialers/${single.id}/remove`, gw.admin, {}, 200);
      await directory.reload();
      assert.equal(directory.match('10.1.2.3')?.defaultCampaignId, world.campaignId);
    } finally {
      directory.stop();
    }
  });
});

describe('numbers from SIP URIs', () => {
  it('reads E.164, 00-prefixed and national numbers, ignoring visual separators', () => {
    assert.equal(numberFromUri('sip:+86-138-0013-8000@gw', null), '+8613800138000');
    assert.equal(numberFromUri('sip:008613800138000@gw;user=phone', null), '+8613800138000');
    assert.equal(numberFromUri('sip:13800138000@gw', 'CN'), '+8613800138000');
    assert.equal(numberFromUri('tel:+8613800138000', null), '+8613800138000');
    assert.equal(numberFromUri('sip:agent7@gw', null), null);
  });
});
