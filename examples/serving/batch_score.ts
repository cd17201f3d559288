/**
 * Batch scoring with the example model: reads a dataset file line by line, scores each
 * row with the same code the model server uses (examples/serving/model.ts) and writes
 * the rows with their prediction.
 *
 *   node examples/serving/batch_score.ts --model-dir ./model --input data.csv --output scored.csv
 *
 * The format follows the input's extension: `.csv` (a header line of column names; the
 * output repeats the input's columns and adds `prediction`) or `.jsonl`/`.json` (one
 * record `{column: value}` per line; the output adds `"prediction"` to each). Arguments
 * may come from MODEL_DIR, INPUT and OUTPUT instead. Exits 1 on the first bad row, with
 * its line number. Runs on Node 22.18+/24 (type stripping); node: built-ins only.
 */

import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { csvRowReader, loadModel, parseJsonInput, predict } from './model.ts';

function arg(name: string, env: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : process.env[env];
  if (!value) throw new Error(`--${name} (or ${env}) is required`);
  return value;
}

/** RFC 4180: quotes a field that holds a comma, quote or line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function main() {
  const model = loadModel(arg('model-dir', 'MODEL_DIR'));
  const input = arg('input', 'INPUT');
  const output = createWriteStream(arg('output', 'OUTPUT'));
  const csv = input.toLowerCase().endsWith('.csv');
  const reader = csvRowReader(model);
  let lineNumber = 0;
  let scored = 0;
  let headerWritten = false;
  const write = async (text: string) => {
    if (!output.write(text)) await once(output, 'drain');
  };
  for await (const line of createInterface({
    input: createReadStream(input),
    crlfDelay: Infinity,
  })) {
    lineNumber++;
    try {
      if (csv) {
        const parsed = reader.read(line);
        if (reader.header && !headerWritten) {
          headerWritten = true;
          await write(
            `${[...reader.header, 'prediction'].map(csvField).join(',')}\n`,
          );
        }
        if (parsed) {
          const [prediction] = predict(model, [parsed.row]);
          await write(
            `${[...parsed.fields.map(csvField), String(prediction)].join(
              ',',
            )}\n`,
          );
          scored++;
        }
      } else if (line.trim()) {
        const record = JSON.parse(line);
        const [prediction] = predict(
          model,
          parseJsonInput(model, { dataframe_records: [record] }),
        );
        await write(`${JSON.stringify({ ...record, prediction })}\n`);
        scored++;
      }
    } catch (error) {
      throw new Error(`${input}:${lineNumber}: ${(error as Error).message}`);
    }
  }
  output.end();
  await once(output, 'finish');
  process.stdout.write(`scored ${scored} rows\n`);
}

main().catch(error => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
