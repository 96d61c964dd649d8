/**
 * The IANA zones of a subdivision (ISO 3166-2), for a callee whose state or province is known but
 * not their zone. A subdivision that spans zones lists every one (Florida's panhandle is Central),
 * and the engine then judges the call in each of them. Only the countries callgate has packs for
 * that span zones are listed; elsewhere a known subdivision says nothing about the zone.
 */
const ET = 'America/New_York';
const CT = 'America/Chicago';
const MT = 'America/Denver';
const PT = 'America/Los_Angeles';

const US: Record<string, string[]> = {
  AL: [CT], AK: ['America/Anchorage', 'America/Adak'], AZ: ['America/Phoenix', MT], AR: [CT], CA: [PT], CO: [MT], CT: [ET],
  DE: [ET], DC: [ET], FL: [ET, CT], GA: [ET], HI: ['Pacific/Honolulu'], ID: ['America/Boise', PT], IL: [CT],
  IN: ['America/Indiana/Indianapolis', CT], IA: [CT], KS: [CT, MT], KY: [ET, CT], LA: [CT], ME: [ET], MD: [ET], MA: [ET],
  MI: ['America/Detroit', 'America/Menominee'], MN: [CT], MS: [CT], MO: [CT], MT: [MT], NE: [CT, MT], NV: [PT, MT], NH: [ET],
  NJ: [ET], NM: [MT], NY: [ET], NC: [ET], ND: [CT, MT], OH: [ET], OK: [CT], OR: [PT, 'America/Boise'], PA: [ET], RI: [ET],
  SC: [ET], SD: [CT, MT], TN: [CT, ET], TX: [CT, MT], UT: [MT], VT: [ET], VA: [ET], WA: [PT], WV: [ET], WI: [CT], WY: [MT],
  // Outlying areas, which ISO 3166-2:US lists as subdivisions too.
  AS: ['Pacific/Pago_Pago'], GU: ['Pacific/Guam'], MP: ['Pacific/Saipan'], PR: ['America/Puerto_Rico'], VI: ['America/St_Thomas'],
  UM: ['Pacific/Wake', 'Pacific/Midway'],
};

const CA: Record<string, string[]> = {
  AB: ['America/Edmonton'], BC: ['America/Vancouver', 'America/Edmonton', 'America/Dawson_Creek'], MB: ['America/Winnipeg'],
  NB: ['America/Moncton'], NL: ['America/St_Johns', 'America/Goose_Bay'], NS: ['America/Halifax'], NT: ['America/Edmonton'],
  NU: ['America/Iqaluit', 'America/Rankin_Inlet', 'America/Cambridge_Bay'], ON: ['America/Toronto', 'America/Winnipeg'],
  PE: ['America/Halifax'], QC: ['America/Toronto', 'America/Halifax', 'America/Blanc-Sablon'], SK: ['America/Regina', 'America/Edmonton'],
  YT: ['America/Whitehorse'],
};

const AU: Record<string, string[]> = {
  ACT: ['Australia/Sydney'], NSW: ['Australia/Sydney', 'Australia/Broken_Hill', 'Australia/Lord_Howe'], NT: ['Australia/Darwin'],
  QLD: ['Australia/Brisbane'], SA: ['Australia/Adelaide'], TAS: ['Australia/Hobart'], VIC: ['Australia/Melbourne'],
  WA: ['Australia/Perth', 'Australia/Eucla'],
};

// China keeps one legal time: Beijing time binds every province, Xinjiang included.
const CN = Object.fromEntries(
  ['AH', 'BJ', 'CQ', 'FJ', 'GD', 'GS', 'GX', 'GZ', 'HA', 'HB', 'HE', 'HI', 'HL', 'HN', 'JL', 'JS', 'JX', 'LN', 'NM', 'NX', 'QH', 'SC', 'SD', 'SH', 'SN', 'SX', 'TJ', 'XJ', 'XZ', 'YN', 'ZJ'].map((p) => [p, ['Asia/Shanghai']]),
);

const BY_COUNTRY: Record<string, Record<string, string[]>> = { US, CA, AU, CN };

/** Countries whose every subdivision code is known here: any other code of theirs is a typo. */
export function subdivisionsListed(country: string): boolean {
  return country in BY_COUNTRY;
}

/** The zones a subdivision may be in; null when it is not listed (unknown code, or a country not listed). */
export function zonesOfSubdivision(code: string): string[] | null {
  const [country, part] = code.split('-');
  return BY_COUNTRY[country]?.[part] ?? null;
}
