/** Placeholder until the tab is built. @internal */
export function ModelsTab() {
  return null;
}
