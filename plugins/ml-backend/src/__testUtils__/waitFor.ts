/**
 * Looks again until `read` returns a value `done` accepts, and returns that value; fails
 * after `timeoutMs` naming `what` and the last value seen. Tests wait for state this way,
 * never for a fixed time.
 */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what} did not happen in ${timeoutMs} ms; last seen ${JSON.stringify(
          value,
        )}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
