import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Material UI in jsdom is slow on a busy 2-core CI machine: interaction tests that
// take 2 s alone took over 5 s when the whole suite ran in parallel.
jest.setTimeout(30_000);
// findBy*/waitFor wait for state, not for time: their 1 s default is a pace, which a
// debounced search (300 ms) on a loaded machine can miss. This is only the ceiling.
configure({ asyncUtilTimeout: 10_000 });
