import { buildVsBuy, BuildVsBuyInput } from './buildVsBuy';

/** 50M tokens a day at $1 per 1M, against 2 replicas of 1 GPU at $2.50/h serving 1,500 tokens/s each. */
const base: BuildVsBuyInput = {
  tokensPerDay: 50_000_000,
  apiMicrosPerMillionTokens: 1_000_000,
  gpuHourMicros: 2_500_000,
  gpusPerReplica: 1,
  replicas: 2,
  tokensPerSecondPerReplica: 1500,
};

describe('buildVsBuy', () => {
  it('prices the API per token and the fleet per hour over a 730-hour month', () => {
    const result = buildVsBuy(base);

    // 50M tokens × $1/1M = $50 a day × 730/24 days.
    expect(result.apiMonthlyMicros).toBe(1_520_833_333);
    // 2 replicas × $2.50 × 730 h.
    expect(result.selfHostedMonthlyMicros).toBe(3_650_000_000);
    expect(result.cheaper).toBe('api');
    expect(result.replicasNeeded).toBe(1);
    expect(result.capacityTokensPerDay).toBe(2 * 1500 * 86_400);
  });

  it('puts the crossover where the fleet costs what the API does', () => {
    const result = buildVsBuy(base);

    // A replica costs $60 a day; two cost as much as 120M API tokens.
    expect(result.crossoverTokensPerDay).toBe(120_000_000);
    const atCrossover = buildVsBuy({ ...base, tokensPerDay: 120_000_000 });
    expect(atCrossover.apiMonthlyMicros).toBe(
      atCrossover.selfHostedMonthlyMicros,
    );
    expect(buildVsBuy({ ...base, tokensPerDay: 121_000_000 }).cheaper).toBe(
      'self-hosted',
    );
  });

  it('scales the crossover with GPUs per replica and replicas', () => {
    expect(
      buildVsBuy({ ...base, gpusPerReplica: 2, replicas: 3 })
        .crossoverTokensPerDay,
    ).toBe(360_000_000);
  });

  it('has no crossover when even a busy replica costs more per token than the API', () => {
    // 500 tokens/s is 43.2M tokens a day for $60: $1.39 per 1M, above the API's $1.
    const result = buildVsBuy({ ...base, tokensPerSecondPerReplica: 500 });

    expect(result.crossoverTokensPerDay).toBeUndefined();
    expect(result.busyReplicaMicrosPerMillionTokens).toBe(1_388_889);
  });

  it('adds replicas when the load exceeds what the given ones serve', () => {
    // 300M tokens a day need 3 replicas of 129.6M.
    const result = buildVsBuy({ ...base, tokensPerDay: 300_000_000 });

    expect(result.replicasNeeded).toBe(3);
    expect(result.selfHostedMonthlyMicros).toBe(5_475_000_000);
    expect(result.apiMonthlyMicros).toBe(9_125_000_000);
    expect(result.cheaper).toBe('self-hosted');
  });

  it('refuses a replica without throughput or GPUs', () => {
    expect(() => buildVsBuy({ ...base, tokensPerSecondPerReplica: 0 })).toThrow(
      RangeError,
    );
    expect(() => buildVsBuy({ ...base, gpusPerReplica: 0 })).toThrow(
      RangeError,
    );
  });
});
