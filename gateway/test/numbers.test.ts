import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IANAZone } from 'luxon';
import { numberInfo } from '../src/numbers/phone';
import { ZONE_OVERRIDES } from '../src/numbers/regions';

const where = (n: string) => {
  const info = numberInfo(n)!;
  return { country: info.country, zones: [...info.timeZones].sort(), subdivisions: [...info.subdivisions].sort() };
};

describe('number regions and zones', () => {
  it('US state and CA province from the area code; a code serving two provinces gives both', () => {
    assert.deepEqual(where('+13055551234'), { country: 'US', zones: ['America/New_York'], subdivisions: ['US-FL'] });
    assert.deepEqual(where('+15125550123').subdivisions, ['US-TX']);
    assert.deepEqual(where('+12125550123').subdivisions, ['US-NY'], '"New York, NY" names the state by its suffix');
    assert.deepEqual(where('+14165550123'), { country: 'CA', zones: ['America/Toronto'], subdivisions: ['CA-ON'] });
    assert.deepEqual(where('+19025550123').subdivisions, ['CA-NS', 'CA-PE']);
  });

  it('AU state from the area code; a mobile may be in any state', () => {
    assert.deepEqual(where('+61731234567').subdivisions, ['AU-QLD']);
    assert.deepEqual(where('+61881234567').subdivisions, ['AU-NSW', 'AU-NT', 'AU-SA', 'AU-WA']);
    assert.equal(where('+61412345678').subdivisions.length, 8);
  });

  it('CN province from the 归属地, for mobiles and fixed lines; none for a national virtual-operator range', () => {
    assert.deepEqual(numberInfo('+8613912345678')!.region, '江苏省常州市');
    assert.deepEqual(where('+8613912345678').subdivisions, ['CN-JS']);
    assert.deepEqual(where('+862161234567').subdivisions, ['CN-SH']);
    assert.deepEqual(where('+8613899123456').subdivisions, ['CN-XJ']);
    assert.deepEqual(where('+8617012345678').subdivisions, []);
  });

  it('the override table corrects the prefix tables: AU mobiles, AU 08, FL 850', () => {
    assert.deepEqual(where('+61412345678').zones, ['Australia/Adelaide', 'Australia/Brisbane', 'Australia/Darwin', 'Australia/Perth', 'Australia/Sydney']);
    assert.ok(where('+61881234567').zones.includes('Australia/Darwin'));
    assert.deepEqual(where('+18502223333').zones, ['America/Chicago', 'America/New_York']);
  });

  it('every override names real zones, a prefix of digits and the reason for it', () => {
    for (const o of ZONE_OVERRIDES) {
      assert.match(o.prefix, /^[1-9]\d+$/);
      assert.ok(o.note.length > 10, o.prefix);
      for (const z of o.zones) assert.ok(IANAZone.isValidZone(z), `${o.prefix}: ${z}`);
    }
  });
});
