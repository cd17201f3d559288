import '@testing-library/jest-dom';

// The whole app renders in jsdom here; slow on a busy 2-core CI machine.
jest.setTimeout(30_000);
