import { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { InputError } from '@backstage/errors';

/** The largest bill an upload may carry unless the router is given another bound. @internal */
export const MAX_BILL_BYTES = 50 * 1024 * 1024;

const tooLarge = (maxBytes: number) =>
  // 413, as express.json answers for a JSON body over its limit.
  Object.assign(
    new InputError(
      `the bill is larger than ${maxBytes} bytes; import larger exports from a file (ml.cost.imports)`,
    ),
    { status: 413 },
  );

/**
 * The body of an upload as a stream that fails with 413 once it passes `maxBytes`, so a
 * bill is parsed as it arrives and never read past its bound; a Content-Length over
 * the bound throws 413 at once. What is left of a refused body is read and dropped, as
 * express.json does, so the client gets the answer rather than a reset connection.
 *
 * @internal
 */
export function uploadedBill(
  req: IncomingMessage,
  maxBytes: number = MAX_BILL_BYTES,
): Readable {
  if (Number(req.headers['content-length']) > maxBytes) {
    req.resume();
    throw tooLarge(maxBytes);
  }
  let seen = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > maxBytes ? tooLarge(maxBytes) : null, chunk);
    },
  });
  // The error stays on the stream (`errored`) for the parser's pipeline to read, even
  // when it comes before the parser starts.
  bounded.on('error', () => {});
  bounded.on('close', () => {
    req.unpipe(bounded);
    req.resume();
  });
  req.on('error', error => bounded.destroy(error));
  req.on('aborted', () =>
    bounded.destroy(new InputError('the upload was aborted')),
  );
  return req.pipe(bounded);
}
