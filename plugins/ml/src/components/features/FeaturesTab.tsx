/** Placeholder until the tab is built. @internal */
export function FeaturesTab() {
  return null;
}
