/** A CSV of the given columns; cells are quoted when they need it. */
export const csv = (
  columns: string[],
  rows: Array<Record<string, string>>,
  eol = '\n',
) => {
  const cell = (v = '') =>
    /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  return (
    [
      columns.join(','),
      ...rows.map(r => columns.map(c => cell(r[c])).join(',')),
    ].join(eol) + eol
  );
};

export const LEGACY = [
  'identity/LineItemId',
  'lineItem/UsageAccountId',
  'lineItem/LineItemType',
  'lineItem/UsageStartDate',
  'lineItem/UsageEndDate',
  'lineItem/ProductCode',
  'lineItem/UsageType',
  'lineItem/ResourceId',
  'lineItem/CurrencyCode',
  'lineItem/UnblendedCost',
  'product/instanceType',
  'resourceTags/user:team',
];
export const gpuRow = (over: Record<string, string> = {}) => ({
  'identity/LineItemId': 'id1',
  'lineItem/UsageAccountId': '444455556666',
  'lineItem/LineItemType': 'Usage',
  'lineItem/UsageStartDate': '2026-05-04T00:00:00Z',
  'lineItem/UsageEndDate': '2026-05-04T01:00:00Z',
  'lineItem/ProductCode': 'AmazonEC2',
  'lineItem/UsageType': 'USE1-BoxUsage:p5.48xlarge',
  'lineItem/ResourceId': 'i-1',
  'lineItem/CurrencyCode': 'USD',
  'lineItem/UnblendedCost': '98.32',
  'product/instanceType': 'p5.48xlarge',
  'resourceTags/user:team': 'recsys',
  ...over,
});
