import '@testing-library/jest-dom';

// Material UI in jsdom is slow on a busy 2-core CI machine: interaction tests that
// take 2 s alone took over 5 s when the whole suite ran in parallel.
jest.setTimeout(30_000);
