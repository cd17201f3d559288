import {
  alertSubject,
  featureHistory,
  formatPValue,
  openFirst,
  testSummary,
  thresholdsFor,
  windowStatus,
  worstFirst,
} from './monitoringFormat';
import {
  makeDriftWindow,
  makeFeatureDrift,
  makeMonitoring,
  monitoringAlerts,
  monitoringSettings,
} from './testData';

describe('monitoringFormat', () => {
  it('orders features alerts first, then warnings, each by PSI', () => {
    const features = [
      makeFeatureDrift({ feature: 'a', psi: 0.3, status: 'ok' }),
      makeFeatureDrift({ feature: 'b', psi: 0.12, status: 'warn' }),
      makeFeatureDrift({ feature: 'c', psi: 0.4, status: 'alert' }),
      makeFeatureDrift({ feature: 'd', psi: 0.2, status: 'warn' }),
      makeFeatureDrift({ feature: 'e', psi: 0.5, status: 'ok' }),
    ];
    expect(worstFirst(features).map(f => f.feature)).toEqual([
      'c',
      'd',
      'b',
      'e',
      'a',
    ]);
    expect(windowStatus(makeDriftWindow())).toBe('alert');
    expect(windowStatus(undefined)).toBe('ok');
  });

  it("takes a feature's own thresholds over the endpoint's", () => {
    expect(thresholdsFor(monitoringSettings, 'tenure')).toEqual({
      psiWarn: 0.1,
      psiAlert: 0.5,
      pValue: 0.01,
    });
    expect(thresholdsFor(monitoringSettings, 'age').psiAlert).toBe(0.25);
  });

  it('writes the test beside PSI with readable p-values', () => {
    const [tenure, plan] = makeDriftWindow().features;
    expect(testSummary(tenure)).toBe('KS 0.04, p = 0.41');
    expect(testSummary(plan)).toBe('χ² 31.2 (dof 2), p = 2.0e-7');
    expect(formatPValue(0)).toBe('0');
    expect(formatPValue(0.0423)).toBe('0.042');
    expect(formatPValue(undefined)).toBe('—');
  });

  it('puts open alerts first, each group newest first, and names their subject', () => {
    const older = { ...monitoringAlerts[1], id: 'al-0', openedAt: 0 };
    expect(
      openFirst([monitoringAlerts[0], older, monitoringAlerts[1]]).map(
        a => a.id,
      ),
    ).toEqual(['al-2', 'al-0', 'al-1']);
    expect(monitoringAlerts.map(alertSubject)).toEqual([
      'SLO p95 latency',
      'drift of age',
    ]);
  });

  it("reads a feature's PSI and KS per window, oldest first", () => {
    const { driftHistory } = makeMonitoring();
    const points = featureHistory(driftHistory, 'age');
    expect(points.map(p => [p.psi, p.ks])).toEqual([
      [0.61 / 4, 0.31],
      [0.61, 0.31],
    ]);
    expect(featureHistory(driftHistory, 'unknown')).toEqual([]);
  });
});
