// A ceiling, not a pace: tests wait for the state they need, and on a loaded 2-core
// machine a PostgreSQL round of a test took over Jest's default 5 s (CI, 2026-12-03).
jest.setTimeout(60_000);
