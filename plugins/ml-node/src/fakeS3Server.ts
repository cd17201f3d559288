import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

/**
 * A FAKE S3 for tests, not S3: an in-memory HTTP server on 127.0.0.1 that speaks just
 * enough of the S3 REST protocol, path-style, for the real `@aws-sdk/client-s3` to talk to
 * it: PUT (plain or `aws-chunked` with a CRC32 trailer, which it checks), GET, HEAD and
 * DELETE of an object, and ListObjectsV2 (`prefix`, `delimiter`, `start-after`,
 * `continuation-token`, `max-keys`) with CommonPrefixes. One bucket, any name; signatures are not checked.
 * `pageSize` caps a listing page, to exercise pagination. `objects` is there for assertions.
 * Shared by the artifact store's tests and the sagemaker module's data capture tests.
 *
 * @public
 */
export async function startFakeS3Server(options: { pageSize?: number } = {}) {
  const objects = new Map<string, Buffer>();

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://fake');
    const [, , ...rest] = url.pathname.split('/').map(decodeURIComponent);
    const key = rest.join('/');
    const body = objects.get(key);
    if (req.method === 'GET' && key === '') {
      reply(res, 200, listObjectsV2(url.searchParams));
    } else if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk);
      let data = Buffer.concat(chunks);
      let checksum = req.headers['x-amz-checksum-crc32'];
      if (req.headers['content-encoding']?.includes('aws-chunked')) {
        ({ data, checksum = checksum } = decodeAwsChunked(data));
      }
      if (checksum !== undefined && checksum !== crc32Base64(data)) {
        reply(res, 400, error('BadDigest', 'CRC32 checksum mismatch'));
      } else {
        objects.set(key, data);
        res.writeHead(200, { ETag: `"${crc32(data)}"` }).end();
      }
    } else if ((req.method === 'GET' || req.method === 'HEAD') && body) {
      res.writeHead(200, {
        'Content-Type': 'binary/octet-stream',
        'Content-Length': body.length,
        ETag: `"${crc32(body)}"`,
      });
      res.end(req.method === 'GET' ? body : undefined);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      reply(res, 404, error('NoSuchKey', 'The specified key does not exist.'));
    } else if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204).end();
    } else {
      reply(res, 501, error('NotImplemented', `${req.method} is not faked`));
    }
  }

  function listObjectsV2(query: URLSearchParams): string {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const token = query.get('continuation-token');
    // As S3 does, `start-after` counts only on a listing's first page.
    const after = token
      ? Buffer.from(token, 'base64url').toString()
      : query.get('start-after') ?? '';
    const maxKeys = Math.min(
      Number(query.get('max-keys') ?? 1000),
      options.pageSize ?? 1000,
    );
    // Keys and common prefixes (size `undefined`) in one sorted run, as S3 pages them.
    const entries = new Map<string, number | undefined>();
    for (const key of [...objects.keys()].sort()) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (!key.startsWith(prefix)) continue;
      if (cut < 0) entries.set(key, objects.get(key)!.length);
      else entries.set(key.slice(0, cut + delimiter.length), undefined);
    }
    const names = [...entries.keys()].filter(name => name > after);
    const page = names.slice(0, maxKeys);
    const truncated = names.length > page.length;
    const next = Buffer.from(page[page.length - 1] ?? '').toString('base64url');
    return [
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`,
      `<Prefix>${esc(prefix)}</Prefix><Delimiter>${esc(delimiter)}</Delimiter>`,
      `<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${page.length}</KeyCount>`,
      `<IsTruncated>${truncated}</IsTruncated>`,
      ...page.map(name =>
        entries.get(name) === undefined
          ? `<CommonPrefixes><Prefix>${esc(name)}</Prefix></CommonPrefixes>`
          : `<Contents><Key>${esc(name)}</Key><Size>${entries.get(
              name,
            )}</Size></Contents>`,
      ),
      truncated ? `<NextContinuationToken>${next}</NextContinuationToken>` : '',
      `</ListBucketResult>`,
    ].join('');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(e =>
      reply(res, 500, error('InternalError', `${e}`)),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** `aws-chunked`: `<hex size>[;ext]\r\n<data>\r\n` ... `0\r\n`, then `name:value` trailers. */
function decodeAwsChunked(raw: Buffer) {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    const size = parseInt(raw.subarray(pos, eol).toString(), 16);
    pos = eol + 2;
    if (!size) break;
    parts.push(raw.subarray(pos, pos + size));
    pos += size + 2;
  }
  const trailers = raw.subarray(pos).toString();
  const checksum = /x-amz-checksum-crc32:(\S+)/.exec(trailers)?.[1];
  return { data: Buffer.concat(parts), checksum };
}

function crc32Base64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data));
  return bytes.toString('base64');
}

function error(code: string, message: string): string {
  return `<Error><Code>${code}</Code><Message>${esc(
    message,
  )}</Message></Error>`;
}

function reply(res: ServerResponse, status: number, xml: string) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  return void res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}
