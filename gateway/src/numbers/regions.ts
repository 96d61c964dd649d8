/**
 * Where a number may be: ISO 3166-2 subdivisions and IANA zones beyond what the prefix tables say.
 *
 * Every answer is a set of candidates. A number that may lie in several subdivisions or zones is
 * judged in each of them and the strictest result stands, because an area code is a weak proof of
 * residence (porting, mobiles, split area codes).
 */

const US_STATES: Record<string, string> = {
  Alabama: 'AL', Alaska: 'AK', Arizona: 'AZ', Arkansas: 'AR', California: 'CA', Colorado: 'CO', Connecticut: 'CT',
  Delaware: 'DE', 'Washington D.C.': 'DC', Florida: 'FL', Georgia: 'GA', Hawaii: 'HI', Idaho: 'ID', Illinois: 'IL',
  Indiana: 'IN', Iowa: 'IA', Kansas: 'KS', Kentucky: 'KY', Louisiana: 'LA', Maine: 'ME', Maryland: 'MD',
  Massachusetts: 'MA', Michigan: 'MI', Minnesota: 'MN', Mississippi: 'MS', Missouri: 'MO', Montana: 'MT',
  Nebraska: 'NE', Nevada: 'NV', 'New Hampshire': 'NH', 'New Jersey': 'NJ', 'New Mexico': 'NM', 'New York': 'NY',
  'North Carolina': 'NC', 'North Dakota': 'ND', Ohio: 'OH', Oklahoma: 'OK', Oregon: 'OR', Pennsylvania: 'PA',
  'Rhode Island': 'RI', 'South Carolina': 'SC', 'South Dakota': 'SD', Tennessee: 'TN', Texas: 'TX', Utah: 'UT',
  Vermont: 'VT', Virginia: 'VA', 'Washington State': 'WA', Washington: 'WA', 'West Virginia': 'WV', Wisconsin: 'WI', Wyoming: 'WY',
};

const CA_PROVINCES: Record<string, string> = {
  Alberta: 'AB', 'British Columbia': 'BC', 'British Colombia': 'BC', Manitoba: 'MB', 'New Brunswick': 'NB',
  Newfoundland: 'NL', 'Newfoundland and Labrador': 'NL', 'Nova Scotia': 'NS', 'Northwest Territories': 'NT',
  Nunavut: 'NU', Ontario: 'ON', 'Prince Edward Island': 'PE', Quebec: 'QC', Saskatchewan: 'SK', Yukon: 'YT',
};

const US_CODES = new Set(Object.values(US_STATES));
const CA_CODES = new Set(Object.values(CA_PROVINCES));

/**
 * The subdivisions named by the prefix tables' description of a North American area code:
 * "Florida", "New York, NY", "Nova Scotia/Prince Edward Island", "Yukon/Northwest Territories/Nunavut".
 */
export function nanpSubdivisions(country: string, areaDescription: string | null): string[] {
  if (!areaDescription) return [];
  const names = country === 'CA' ? CA_PROVINCES : US_STATES;
  const codes = country === 'CA' ? CA_CODES : US_CODES;
  const found = new Set<string>();
  for (const part of areaDescription.split('/').map((s) => s.trim())) {
    const suffix = /,\s*([A-Z]{2})$/.exec(part)?.[1];
    const code = names[part] ?? (suffix && codes.has(suffix) ? suffix : undefined);
    if (code) found.add(`${country}-${code}`);
  }
  return [...found];
}

const AU_ALL = ['AU-ACT', 'AU-NSW', 'AU-NT', 'AU-QLD', 'AU-SA', 'AU-TAS', 'AU-VIC', 'AU-WA'];

/** Australian geographic area codes; mobiles and non-geographic numbers may be in any state. */
const AU_AREA: Record<string, string[]> = {
  '2': ['AU-NSW', 'AU-ACT'],
  '3': ['AU-VIC', 'AU-TAS'],
  '7': ['AU-QLD'],
  // 08 also serves Broken Hill in New South Wales.
  '8': ['AU-SA', 'AU-WA', 'AU-NT', 'AU-NSW'],
};

export function auSubdivisions(nationalNumber: string): string[] {
  return AU_AREA[nationalNumber[0]] ?? AU_ALL;
}

/** Provinces, regions and municipalities by the name that opens a Chinese 归属地 (GB/T 2260 codes as in ISO 3166-2:CN). */
const CN_PROVINCES: [string, string][] = [
  ['北京', 'BJ'], ['天津', 'TJ'], ['河北', 'HE'], ['山西', 'SX'], ['内蒙古', 'NM'], ['辽宁', 'LN'], ['吉林', 'JL'],
  ['黑龙江', 'HL'], ['上海', 'SH'], ['江苏', 'JS'], ['浙江', 'ZJ'], ['安徽', 'AH'], ['福建', 'FJ'], ['江西', 'JX'],
  ['山东', 'SD'], ['河南', 'HA'], ['湖北', 'HB'], ['湖南', 'HN'], ['广东', 'GD'], ['广西', 'GX'], ['海南', 'HI'],
  ['重庆', 'CQ'], ['四川', 'SC'], ['贵州', 'GZ'], ['云南', 'YN'], ['西藏', 'XZ'], ['陕西', 'SN'], ['甘肃', 'GS'],
  ['青海', 'QH'], ['宁夏', 'NX'], ['新疆', 'XJ'],
];

/** The province of a Chinese number from its 归属地 ("江苏省常州市" → CN-JS); none for national ranges. */
export function cnSubdivisions(region: string | null): string[] {
  if (!region) return [];
  const hit = CN_PROVINCES.find(([name]) => region.startsWith(name));
  return hit ? [`CN-${hit[1]}`] : [];
}

export interface ZoneOverride {
  /** E.164 digits without "+": the longest matching prefix wins. */
  prefix: string;
  zones: string[];
  /** replace: the library is wrong; add: the library names too few zones for a split range. */
  mode: 'replace' | 'add';
  note: string;
}

/**
 * The prefix tables' known errors, found by checking them against the numbering plans. Kept as data
 * so a reviewer can see every departure from the library and why.
 */
export const ZONE_OVERRIDES: ZoneOverride[] = [
  { prefix: '614', mode: 'replace', zones: ['Australia/Perth', 'Australia/Darwin', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney'], note: 'AU mobiles are national; the tables give Sydney only' },
  { prefix: '618', mode: 'add', zones: ['Australia/Darwin'], note: 'AU area code 08 also covers the Northern Territory (no DST); the tables give Adelaide and Perth only' },
  { prefix: '1850', mode: 'add', zones: ['America/Chicago'], note: 'FL 850: the western panhandle is Central time; the tables give Eastern for most exchanges' },
  { prefix: '1270', mode: 'add', zones: ['America/Chicago'], note: 'KY 270: split Eastern/Central' },
  { prefix: '1606', mode: 'add', zones: ['America/Chicago'], note: 'KY 606: split Eastern/Central' },
  { prefix: '1219', mode: 'add', zones: ['America/Chicago'], note: 'IN 219: split Eastern/Central' },
  { prefix: '1574', mode: 'add', zones: ['America/Chicago'], note: 'IN 574: split Eastern/Central' },
  { prefix: '1812', mode: 'add', zones: ['America/Chicago'], note: 'IN 812: split Eastern/Central' },
  { prefix: '1930', mode: 'add', zones: ['America/Chicago'], note: 'IN 930: split Eastern/Central' },
  { prefix: '1906', mode: 'add', zones: ['America/Chicago'], note: 'MI 906: split Eastern/Central' },
  { prefix: '1208', mode: 'add', zones: ['America/Boise', 'America/Los_Angeles'], note: 'ID 208: split Mountain/Pacific' },
  { prefix: '1541', mode: 'add', zones: ['America/Boise', 'America/Los_Angeles'], note: 'OR 541: split Pacific/Mountain' },
  { prefix: '1458', mode: 'add', zones: ['America/Boise', 'America/Los_Angeles'], note: 'OR 458: split Pacific/Mountain' },
  { prefix: '1620', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'KS 620: split Central/Mountain' },
  { prefix: '1785', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'KS 785: split Central/Mountain' },
  { prefix: '1308', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'NE 308: split Central/Mountain' },
  { prefix: '1402', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'NE 402: split Central/Mountain' },
  { prefix: '1531', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'NE 531: split Central/Mountain' },
  { prefix: '1701', mode: 'add', zones: ['America/Chicago', 'America/Denver'], note: 'ND 701: split Central/Mountain' },
  { prefix: '1807', mode: 'add', zones: ['America/Toronto', 'America/Winnipeg'], note: 'ON 807: split Eastern/Central' },
  { prefix: '1709', mode: 'add', zones: ['America/St_Johns', 'America/Halifax'], note: 'NL 709: Labrador is partly Atlantic time' },
  { prefix: '1250', mode: 'add', zones: ['America/Vancouver', 'America/Edmonton'], note: 'BC 250: the East Kootenays keep Mountain time' },
  { prefix: '1236', mode: 'add', zones: ['America/Vancouver', 'America/Edmonton'], note: 'BC 236: overlay of 250/604/778' },
  { prefix: '1418', mode: 'add', zones: ['America/Toronto', 'America/Halifax'], note: 'QC 418: the Lower North Shore and Magdalen Islands keep Atlantic time' },
  { prefix: '1581', mode: 'add', zones: ['America/Toronto', 'America/Halifax'], note: 'QC 581: overlay of 418' },
];

const sortedOverrides = [...ZONE_OVERRIDES].sort((a, b) => b.prefix.length - a.prefix.length);

/** The library's zones for a number, corrected by the override table. */
export function correctedZones(e164Digits: string, libraryZones: string[]): string[] {
  const override = sortedOverrides.find((o) => e164Digits.startsWith(o.prefix));
  if (!override) return libraryZones;
  if (override.mode === 'replace') return [...override.zones];
  return [...new Set([...libraryZones, ...override.zones])];
}
