module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  rules: {
    // The tenancy matrix asserts through expectCells (one expect per actor and cell).
    'jest/expect-expect': [
      'warn',
      { assertFunctionNames: ['expect', 'expectCells'] },
    ],
  },
});
