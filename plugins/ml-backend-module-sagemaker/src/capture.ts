import {
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CapturedRequest,
  ServingCaptureSource,
} from '@ml-portal/plugin-ml-node';
import { parse } from 'csv-parse/sync';
import { SageMakerDataCaptureSettings } from './config';

/**
 * A capture file's key under its variant's prefix: the hour folder, then the file's
 * creation time to the millisecond and an id (`2026/12/04/16/05-12-345-<uuid>.jsonl`).
 * Keys sort in time order, which is what lets a read resume after the last key.
 */
const CAPTURE_FILE =
  /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})-(\d{2})-(\d{3})-[^/]+\.jsonl$/;
/** The most keys one ListObjectsV2 call returns. */
const MAX_LIST_KEYS = 1000;

/** One side of a captured record, as SageMaker writes it. */
type CapturedPayload = {
  data?: string;
  encoding?: string;
  observedContentType?: string;
};

/**
 * The data capture files of one SageMaker production variant in S3, as a
 * {@link ServingCaptureSource}: files are listed in key order after the cursor (the last
 * key read), and a file is read only once it is `settleMs` old, since the instances of an
 * endpoint upload their files independently and a later key may be listed before an
 * earlier one lands. Each pass reads at most `maxFiles` files and `maxBytes` bytes; a
 * file larger than `maxBytes` alone is skipped.
 *
 * Requests come back as MLflow scoring payloads: JSON as captured (a bare array as
 * `instances`), CSV as `dataframe_split` with the header row's names (or `instances`
 * when `csvHeader` is off). Responses: JSON as captured, CSV as one prediction per line.
 * Base64-encoded records are decoded when their content type is JSON or CSV, and
 * skipped otherwise.
 *
 * @internal
 */
export function s3CaptureSource(options: {
  client: S3Client;
  capture: SageMakerDataCaptureSettings;
  endpointName: string;
  variantName: string;
  /** How old a file must be to be read; 5 minutes when absent. */
  settleMs?: number;
  now?: () => number;
}): ServingCaptureSource {
  const { client, capture, endpointName, variantName } = options;
  const { settleMs = 5 * 60_000, now = Date.now } = options;
  const { bucket, keyPrefix } = parseS3Uri(capture.s3Uri);
  const prefix = `${keyPrefix}${endpointName}/${variantName}/`;
  return {
    description: `s3://${bucket}/${prefix}`,
    async read({ cursor, since, maxFiles, maxBytes }) {
      // A cursor of another prefix (the capture location moved) starts over from `since`.
      const startAfter = cursor?.startsWith(prefix)
        ? cursor
        : `${prefix}${timeKey(since)}`;
      const listed = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          StartAfter: startAfter,
          MaxKeys: Math.max(1, Math.min(maxFiles, MAX_LIST_KEYS)),
        }),
      );
      const settled = now() - settleMs;
      const records: CapturedRequest[] = [];
      let last = startAfter;
      let skipped = 0;
      let files = 0;
      let bytes = 0;
      for (const object of listed.Contents ?? []) {
        const key = object.Key!;
        const created = fileTime(key.slice(prefix.length));
        if (created === undefined) {
          last = key; // Not a capture file.
          continue;
        }
        if (created > settled || files >= maxFiles) break;
        const size = object.Size ?? 0;
        if (size > maxBytes) {
          skipped++;
          last = key;
          continue;
        }
        if (bytes + size > maxBytes) break;
        const body = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key }),
        );
        const text = (await body.Body?.transformToString('utf-8')) ?? '';
        files++;
        bytes += size;
        last = key;
        for (const line of text.split('\n')) {
          if (!line.trim()) continue;
          const record = parseCaptureLine(line, capture.csvHeader, created);
          if (record) records.push(record);
          else skipped++;
        }
      }
      return { records, cursor: last, skipped };
    },
  };
}

/**
 * One line of a capture file as a captured request, or undefined when its request cannot
 * be read (not JSON, an unknown content type).
 *
 * @internal
 */
export function parseCaptureLine(
  line: string,
  csvHeader: boolean,
  fallbackTime: number,
): CapturedRequest | undefined {
  let event: any;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  const input = payload(event?.captureData?.endpointInput);
  if (!input) return undefined;
  const request =
    input.kind === 'json'
      ? jsonRequest(input.text)
      : csvRequest(input.text, csvHeader);
  if (request === undefined) return undefined;
  const output = payload(event?.captureData?.endpointOutput);
  const inferred = Date.parse(event?.eventMetadata?.inferenceTime ?? '');
  return {
    request,
    response: output && response(output),
    at: Number.isFinite(inferred) ? inferred : fallbackTime,
  };
}

/** A payload's text and how to read it: by its encoding, or its content type under base64. */
function payload(
  side: CapturedPayload | undefined,
): { kind: 'json' | 'csv'; text: string } | undefined {
  if (typeof side?.data !== 'string') return undefined;
  const encoding = side.encoding?.toUpperCase();
  if (encoding === 'JSON') return { kind: 'json', text: side.data };
  if (encoding === 'CSV') return { kind: 'csv', text: side.data };
  if (encoding !== 'BASE64') return undefined;
  const type = side.observedContentType?.toLowerCase() ?? '';
  const kind = type.includes('json') ? 'json' : type.includes('csv') && 'csv';
  if (!kind) return undefined;
  return { kind, text: Buffer.from(side.data, 'base64').toString('utf-8') };
}

function jsonRequest(text: string): unknown {
  try {
    const body = JSON.parse(text);
    return Array.isArray(body) ? { instances: body } : body;
  } catch {
    return undefined;
  }
}

function csvRequest(text: string, header: boolean): unknown {
  const rows = csvRows(text);
  if (!rows || rows.length === 0) return undefined;
  if (!header) return { instances: rows };
  const [names, ...data] = rows;
  return { dataframe_split: { columns: names.map(String), data } };
}

function response(output: { kind: 'json' | 'csv'; text: string }): unknown {
  if (output.kind === 'csv') return csvRows(output.text)?.map(row => row[0]);
  try {
    return JSON.parse(output.text);
  } catch {
    return undefined;
  }
}

/** CSV rows, numbers cast; undefined for text that is not CSV. */
function csvRows(text: string): Array<Array<string | number>> | undefined {
  try {
    return parse(text, {
      cast: value => {
        const number = Number(value);
        return value.trim() !== '' && Number.isFinite(number) ? number : value;
      },
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch {
    return undefined;
  }
}

/** When a capture file was created, from its key under the variant's prefix. */
function fileTime(relativeKey: string): number | undefined {
  const m = CAPTURE_FILE.exec(relativeKey);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** A key part that sorts just before the files created at `at` (epoch ms). */
function timeKey(at: number): string {
  const t = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}/${two(t.getUTCMonth() + 1)}/${two(
    t.getUTCDate(),
  )}/${two(t.getUTCHours())}/${two(t.getUTCMinutes())}-${two(
    t.getUTCSeconds(),
  )}-${String(t.getUTCMilliseconds()).padStart(3, '0')}`;
}

/** `s3://bucket/a/b` → bucket `bucket`, key prefix `a/b/` (`''` for the bucket's root). */
function parseS3Uri(uri: string): { bucket: string; keyPrefix: string } {
  const [, bucket, path = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri) ?? [];
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return { bucket, keyPrefix: trimmed ? `${trimmed}/` : '' };
}
