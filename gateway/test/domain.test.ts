import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config';
import { isValidUscc } from '../src/domain/uscc';
import { numberInfo } from '../src/numbers/phone';

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it('accepts a code whose check character matches (the standard example)', () => assert.equal(isValidUscc('91350100M000100Y43'), true));
  it('rejects a wrong check character', () => assert.equal(isValidUscc('91350100M000100Y44'), false));
  it('rejects the letters the alphabet leaves out (I, O, S, V, Z) and wrong lengths', () => {
    assert.equal(isValidUscc('91350100M000100YO3'), false);
    assert.equal(isValidUscc('91350100M000100Y4'), false);
    assert.equal(isValidUscc('91350100m000100y43'), false);
  });
});

describe('number intelligence', () => {
  it('gives a Chinese mobile number its country, line type, zone and registered region (归属地)', () => {
    const info = numberInfo('+8613800138000')!;
    assert.deepEqual([info.valid, info.country, info.lineType, info.timeZones, info.region], [true, 'CN', 'mobile', ['Asia/Shanghai'], '北京市']);
  });
  it('gives a range spanning two zones both zones', () => {
    assert.deepEqual(numberInfo('+16053001234')!.timeZones.sort(), ['America/Denver', 'America/North_Dakota/Center']);
  });
  it('refuses what is not E.164 and flags unallocated numbers as invalid', () => {
    assert.equal(numberInfo('13800138000'), null);
    assert.equal(numberInfo('+8612000')?.valid ?? false, false);
    // China Telecom's 10000 is a carrier service code, valid as a display number (cn_service).
    assert.equal(numberInfo('+8610000')?.lineType, 'cn_service');
  });
});

describe('configuration', () => {
  const fails = (env: Record<string, string>, message: RegExp) => assert.throws(() => loadConfig(env), (e: Error) => e instanceof ConfigError && message.test(e.message));
  it('has documented defaults', () => {
    const config = loadConfig({});
    assert.deepEqual([config.port, config.host, config.databaseUrl, config.jwtSecret], [8080, '127.0.0.1', null, null]);
  });
  it('refuses a port out of range, a database URL of another kind, a short JWT secret', () => {
    fails({ PORT: '99999' }, /PORT must be an integer from 0 to 65535/);
    fails({ DATABASE_URL: 'postgres://x@y/z' }, /must start with mysql:\/\//);
    fails({ DATABASE_URL: 'mysql://x@y:3306' }, /must name a database/);
    fails({ JWT_SECRET: 'short' }, /at least 32 characters/);
    fails({ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/);
  });
});
