import {
  sampleColumns,
  scoringInputColumns,
  scoringPredictions,
} from './scoringRows';

describe('scoring payloads as columns', () => {
  it('reads every MLflow scoring input shape', () => {
    const expected = { columns: { a: [1, 2], b: ['x', null] }, rows: 2 };
    expect(
      scoringInputColumns(
        {
          dataframe_split: {
            columns: ['a', 'b'],
            data: [
              [1, 'x'],
              [2, null],
            ],
          },
        },
        100,
      ),
    ).toEqual(expected);
    expect(
      scoringInputColumns(
        { dataframe_records: [{ a: 1, b: 'x' }, { a: 2 }] },
        100,
      ),
    ).toEqual(expected);
    expect(
      scoringInputColumns({ instances: [{ a: 1, b: 'x' }, { a: 2 }] }, 100),
    ).toEqual(expected);
    expect(
      scoringInputColumns({ inputs: { a: [1, 2], b: ['x', null] } }, 100),
    ).toEqual(expected);
    expect(scoringInputColumns({ inputs: [[1, 'x'], [2]] }, 100)).toEqual({
      columns: { f0: [1, 2], f1: ['x', null] },
      rows: 2,
    });
  });

  it('keeps at most the limit of rows and refuses other shapes', () => {
    expect(
      scoringInputColumns({ instances: [[1], [2], [3]] }, 2)?.columns,
    ).toEqual({ f0: [1, 2] });
    expect(scoringInputColumns({ rows: [] }, 10)).toBeUndefined();
    expect(scoringInputColumns('text', 10)).toBeUndefined();
  });

  it('aligns predictions with the rows', () => {
    expect(scoringPredictions({ predictions: [0.2, [0.9, 0.1]] }, 10)).toEqual([
      0.2, 0.9,
    ]);
    expect(
      sampleColumns({ instances: [[1], [2]] }, { predictions: [1, 0] }, 10),
    ).toEqual({ columns: { f0: [1, 2], prediction: [1, 0] }, rows: 2 });
    // A response that does not match the rows adds no prediction column.
    expect(
      sampleColumns({ instances: [[1], [2]] }, { predictions: [1] }, 10)
        ?.columns,
    ).toEqual({ f0: [1, 2] });
  });
});
