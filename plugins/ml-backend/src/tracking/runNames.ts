const adjectives = [
  'bold',
  'calm',
  'eager',
  'gentle',
  'keen',
  'lucid',
  'merry',
  'nimble',
  'quiet',
  'swift',
];
const nouns = [
  'owl',
  'lynx',
  'heron',
  'otter',
  'finch',
  'panda',
  'koala',
  'wren',
  'seal',
  'fox',
];

/**
 * A name such as `swift-otter-42`, as MLflow gives runs and logged models that were
 * given none.
 *
 * @internal
 */
export function generateRunName(): string {
  const pick = (list: string[]) =>
    list[Math.floor(Math.random() * list.length)];
  return `${pick(adjectives)}-${pick(nouns)}-${Math.floor(
    Math.random() * 1000,
  )}`;
}
